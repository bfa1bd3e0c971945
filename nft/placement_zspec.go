package nft

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
)

// A placed rule keeps its iptables form in its userdata only (placement.go):
// in iptables' tables the spec cannot move into xt comment expressions as
// in the owner's (longspec.go), since iptables-nft-save would print each as
// one more -m comment. When the spec TLVs and the owner TLV do not fit the
// kernel's 256 bytes, the spec payload (the bytes the udSpec TLVs would
// hold: version, comment position, spec text) is stored raw-DEFLATE
// compressed in udSpecZ TLVs instead. iptables-nft-save ignores the type
// as it ignores udSpec and udPlacedOwner (it reads the comment TLV only).
// Rules of up to about 430 bytes of iptables-save text compress to less
// than 220 bytes; a spec that does not fit even compressed is refused.
//
// The planner finds an installed rule's entry by its exact userdata bytes,
// so the same spec must always compress to the same bytes: compress/flate
// is deterministic for a given level and Go release. A later Go release
// may compress differently; its nftsync then no longer recognises the
// compressed rules an older one installed and replaces each once (new
// handle, counters reset), after which it converges again. Reading is not
// affected: any valid DEFLATE stream inflates to the same spec. Rules that
// fit uncompressed, nearly all, are stored as text and never change form.
const (
	udSpecZ    = 0xd
	specZLevel = flate.BestCompression
	// maxSpecZ bounds what a udSpecZ stream inflates to: iptables' own
	// limit on a rule's line is far less, and a foreign or corrupt rule
	// must not make Read allocate without bound.
	maxSpecZ = 64 << 10
)

// appendChunked appends payload to ud as TLVs of type typ, 255 bytes each
// but the last.
func appendChunked(ud []byte, typ byte, payload []byte) []byte {
	for len(payload) > 0 {
		n := min(len(payload), 255)
		ud = append(ud, typ, byte(n))
		ud = append(ud, payload[:n]...)
		payload = payload[n:]
	}
	return ud
}

// deflateSpec is payload compressed as udSpecZ holds it.
func deflateSpec(payload []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, specZLevel)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(payload); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// inflateSpecs returns ud with its udSpecZ TLVs, if any, replaced by the
// udSpec TLVs they compress (at the place of the first), so that
// parseUserData reads either form; ud itself when there are none.
func inflateSpecs(ud []byte) ([]byte, error) {
	var z []byte
	at := -1
	var rest []byte
	if err := walkTLVs(ud, func(typ byte, val []byte) {
		if typ != udSpecZ {
			rest = append(rest, typ, byte(len(val)))
			rest = append(rest, val...)
			return
		}
		if at < 0 {
			at = len(rest)
		}
		z = append(z, val...)
	}); err != nil {
		return nil, err
	}
	if at < 0 {
		return ud, nil
	}
	r := flate.NewReader(bytes.NewReader(z))
	defer r.Close()
	payload, err := io.ReadAll(io.LimitReader(r, maxSpecZ+1))
	if err != nil {
		return nil, fmt.Errorf("inflating the rule's compressed spec: %w", err)
	}
	if len(payload) > maxSpecZ {
		return nil, fmt.Errorf("the rule's compressed spec inflates to more than %d bytes", maxSpecZ)
	}
	out := append([]byte(nil), rest[:at]...)
	out = appendChunked(out, udSpec, payload)
	return append(out, rest[at:]...), nil
}
