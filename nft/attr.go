package nft

import (
	"encoding/binary"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// attrs appends netlink attributes to a buffer without intermediate
// allocations: the batch of a large ruleset is built from tens of thousands
// of them.
type attrs []byte

// bytes appends one attribute holding b.
func (a attrs) bytes(typ uint16, b []byte) attrs {
	n := unix.NLA_HDRLEN + len(b)
	a = binary.NativeEndian.AppendUint16(a, uint16(n))
	a = binary.NativeEndian.AppendUint16(a, typ)
	a = append(a, b...)
	for pad := nlaAlign(n) - n; pad > 0; pad-- {
		a = append(a, 0)
	}
	return a
}

// str appends a NUL-terminated string attribute.
func (a attrs) str(typ uint16, s string) attrs {
	n := unix.NLA_HDRLEN + len(s) + 1
	a = binary.NativeEndian.AppendUint16(a, uint16(n))
	a = binary.NativeEndian.AppendUint16(a, typ)
	a = append(a, s...)
	a = append(a, 0)
	for pad := nlaAlign(n) - n; pad > 0; pad-- {
		a = append(a, 0)
	}
	return a
}

// u32 appends a big-endian 32-bit attribute, as nftables expects.
func (a attrs) u32(typ uint16, v uint32) attrs {
	a = binary.NativeEndian.AppendUint16(a, unix.NLA_HDRLEN+4)
	a = binary.NativeEndian.AppendUint16(a, typ)
	return binary.BigEndian.AppendUint32(a, v)
}

// u64 appends a big-endian 64-bit attribute.
func (a attrs) u64(typ uint16, v uint64) attrs {
	a = binary.NativeEndian.AppendUint16(a, unix.NLA_HDRLEN+8)
	a = binary.NativeEndian.AppendUint16(a, typ)
	return binary.BigEndian.AppendUint64(a, v)
}

// nested appends a nested attribute holding inner.
func (a attrs) nested(typ uint16, inner []byte) attrs {
	return a.bytes(typ|unix.NLA_F_NESTED, inner)
}

func nlaAlign(n int) int { return (n + unix.NLA_ALIGNTO - 1) &^ (unix.NLA_ALIGNTO - 1) }

// nfgen returns the nfgenmsg header every nftables message starts with.
func nfgen(family uint8, resID uint16) attrs {
	return attrs{family, unix.NFNETLINK_V0, byte(resID >> 8), byte(resID)}
}

// nftType returns the netlink message type of an nftables message.
func nftType(msg int) netlink.HeaderType {
	return netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | msg)
}

// attrList decodes the attributes after the nfgenmsg header of an nftables
// message, calling fn for each; nested attributes are passed undecoded.
func attrList(data []byte, fn func(typ uint16, b []byte) error) error {
	if len(data) < 4 {
		return fmt.Errorf("nftables message of %d bytes is shorter than its header", len(data))
	}
	return walkAttrs(data[4:], fn)
}

// walkAttrs calls fn for each attribute in b, with the nested flag and the
// byte-order flag removed from the type.
func walkAttrs(b []byte, fn func(typ uint16, b []byte) error) error {
	for len(b) > 0 {
		if len(b) < unix.NLA_HDRLEN {
			return fmt.Errorf("truncated netlink attribute (%d bytes left)", len(b))
		}
		n := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:]) &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)
		if n < unix.NLA_HDRLEN || n > len(b) {
			return fmt.Errorf("netlink attribute of type %d claims %d bytes, %d available", typ, n, len(b))
		}
		if err := fn(typ, b[unix.NLA_HDRLEN:n]); err != nil {
			return err
		}
		if a := nlaAlign(n); a < len(b) {
			b = b[a:]
		} else {
			b = nil
		}
	}
	return nil
}

// cstring decodes a NUL-terminated string attribute.
func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// be32 decodes a big-endian 32-bit attribute (0 when too short).
func be32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

// be64 decodes a big-endian 64-bit attribute (0 when too short).
func be64(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
