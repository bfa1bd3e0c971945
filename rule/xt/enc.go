package xt

import (
	"encoding/binary"
	"fmt"
)

// The info structs are C structs in host byte order; fields that are
// __be16/__be32 in the uapi header are written big-endian explicitly.
var host = binary.NativeEndian

// enc builds an info struct of a fixed size: fields are written at their
// C offsets (the caller passes them), the rest stays zero.
type enc []byte

func newEnc(size int) enc { return make(enc, size) }

func (b enc) u8(off int, v uint8)   { b[off] = v }
func (b enc) u16(off int, v uint16) { host.PutUint16(b[off:], v) }
func (b enc) u32(off int, v uint32) { host.PutUint32(b[off:], v) }
func (b enc) u64(off int, v uint64) { host.PutUint64(b[off:], v) }
func (b enc) be16(off int, v uint16) {
	binary.BigEndian.PutUint16(b[off:], v)
}
func (b enc) bytes(off int, v []byte) { copy(b[off:], v) }

// checkLen returns an error unless info has the extension's size.
func checkLen(e *Ext, info []byte) error {
	if len(info) != e.Size {
		return fmt.Errorf("%s: info of %d bytes, want %d", e, len(info), e.Size)
	}
	return nil
}
