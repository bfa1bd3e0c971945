package nft

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
	"golang.org/x/sys/unix"
)

// A rule whose comment and iptables form do not fit the kernel's 256 bytes
// of rule userdata (NFT_USERDATA_MAXLEN) keeps its form in its own
// expressions: after the expressions of its translation come xt comment
// matches (revision 0, the no-op match iptables-nft writes for -m comment,
// 255 bytes of text each) holding the spec text in pieces, and the
// userdata holds, instead of the spec TLVs, a reference TLV: version, the
// position of the comment match (as in the spec TLV), the number of
// pieces and the first 16 bytes of the SHA-256 of the spec payload. nft's
// comment TLV stays beside it. A comment longer than nft reads (128 bytes)
// is never in the comment TLV, in either form: it stays in the spec.
//
// The pieces follow the verdict, where the kernel never evaluates them
// (nft_do_chain stops at the first verdict); in a rule without a verdict
// each is a match that always matches. The spec thus lives and dies with
// its rule, in the same NEWRULE message: nothing else to keep consistent,
// to dump or to repair, and a restarted nftsync reads it back from the
// rule alone. The digest makes the userdata of two distinct rules differ
// (the planner finds a dumped rule's entry by its userdata) and ties the
// pieces to the userdata: a rule whose pieces do not match is not
// nftsync's (Read shows it as foreign and Apply replaces it).
const (
	udSpecRef        = 0xa
	udSpecRefVersion = 1
	specDigestLen    = 16
	specRefLen       = 2 + 3 + specDigestLen // the reference TLV
	// specPieceLen is what one xt_comment_info holds besides its NUL.
	specPieceLen = 255
	// maxRuleExprs is NFT_RULE_MAXEXPRS: the kernel refuses a rule of
	// more expressions.
	maxRuleExprs = 128
)

// storeRule returns what nftsync stores with a rule besides its
// translation: its userdata and, when the spec does not fit there, the
// expressions that hold it (appended after the translation's).
func storeRule(r *rule.Rule, tr *rule.Translation) ([]byte, []expr.Any, error) {
	t := tr
	if !rule.NftComment(tr.Comment) {
		// nft refuses a longer comment, and prints one with a double
		// quote or a line break unescaped: shown by `nft list`, it
		// would make the listing fail to load with nft -f. It stays in
		// the spec, and nft shows none.
		cp := *tr
		cp.Comment, cp.Commented = "", false
		t = &cp
	}
	if short, err := ruleUserData(r, t); !errors.Is(err, errUserDataFull) {
		return short, nil, err
	}
	full, err := specUserData(r, t)
	if err != nil {
		return nil, nil, err
	}
	var ud, payload []byte
	if err := walkTLVs(full, func(typ byte, val []byte) {
		if typ == udSpec {
			payload = append(payload, val...)
		} else {
			ud = append(ud, typ, byte(len(val)))
			ud = append(ud, val...)
		}
	}); err != nil {
		return nil, nil, err
	}
	spec := payload[2:]
	if bytes.IndexByte(spec, 0) >= 0 {
		return nil, nil, fmt.Errorf("the rule's iptables form holds a NUL byte")
	}
	var pieces []expr.Any
	for len(spec) > 0 {
		n := min(len(spec), specPieceLen)
		info, err := xt.Comment{Text: string(spec[:n])}.Marshal()
		if err != nil {
			return nil, nil, err
		}
		x, err := xt.CommentMatch.Expr(info)
		if err != nil {
			return nil, nil, err
		}
		pieces = append(pieces, x)
		spec = spec[n:]
	}
	if n := len(tr.Exprs()); n+len(pieces) > maxRuleExprs {
		return nil, nil, fmt.Errorf("the rule needs %d expressions and %d more to hold its %d-byte iptables form; the kernel takes %d per rule",
			n, len(pieces), len(payload)-2, maxRuleExprs)
	}
	sum := sha256.Sum256(payload)
	ud = append(ud, udSpecRef, specRefLen-2, udSpecRefVersion, payload[1], byte(len(pieces)))
	ud = append(ud, sum[:specDigestLen]...)
	if len(ud) > maxUserData {
		return nil, nil, fmt.Errorf("rule needs %d bytes of userdata; the kernel stores at most %d", len(ud), maxUserData)
	}
	return ud, pieces, nil
}

// parseStored recovers the iptables rule nftsync stored with a dumped
// rule: from its userdata, or, when that holds a reference, from the
// pieces at the end of its expressions (elems, undecoded). Anything
// malformed or inconsistent is an error, never a panic.
func parseStored(fam rule.Family, ud []byte, elems [][]byte) (*rule.Rule, error) {
	var ref, rest []byte
	if err := walkTLVs(ud, func(typ byte, val []byte) {
		if typ == udSpecRef {
			ref = val
		} else {
			rest = append(rest, typ, byte(len(val)))
			rest = append(rest, val...)
		}
	}); err != nil {
		return nil, err
	}
	if ref == nil {
		return parseUserData(fam, ud)
	}
	if len(ref) != specRefLen-2 || ref[0] != udSpecRefVersion {
		return nil, errNoSpec
	}
	n := int(ref[2])
	if n == 0 || n > len(elems) {
		return nil, fmt.Errorf("rule userdata names %d spec pieces; the rule has %d expressions", n, len(elems))
	}
	payload := []byte{udSpecVersion, ref[1]}
	for _, el := range elems[len(elems)-n:] {
		text, ok := specPiece(el)
		if !ok {
			return nil, fmt.Errorf("rule lacks the spec pieces its userdata names")
		}
		payload = append(payload, text...)
	}
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:specDigestLen], ref[3:]) {
		return nil, fmt.Errorf("rule's spec pieces do not match its userdata")
	}
	// The spec as a short rule's userdata would hold it.
	for len(payload) > 0 {
		k := min(len(payload), 255)
		rest = append(rest, udSpec, byte(k))
		rest = append(rest, payload[:k]...)
		payload = payload[k:]
	}
	return parseUserData(fam, rest)
}

// specPiece returns the text of an xt comment match revision 0, as dumped.
func specPiece(elem []byte) (string, bool) {
	ex, ok := attrMap(elem)
	if !ok || cstring(ex[unix.NFTA_EXPR_NAME]) != "match" {
		return "", false
	}
	m, ok := attrMap(ex[unix.NFTA_EXPR_DATA])
	if !ok || cstring(m[unix.NFTA_MATCH_NAME]) != xt.CommentMatch.Name || len(m[unix.NFTA_MATCH_REV]) != 4 || be32(m[unix.NFTA_MATCH_REV]) != xt.CommentMatch.Rev {
		return "", false
	}
	c, err := xt.DecodeComment(m[unix.NFTA_MATCH_INFO])
	return c.Text, err == nil
}

// attrMap returns netlink attributes by type.
func attrMap(b []byte) (map[uint16][]byte, bool) {
	out := map[uint16][]byte{}
	err := walkAttrs(b, func(typ uint16, v []byte) error {
		out[typ] = v
		return nil
	})
	return out, err == nil
}

// walkTLVs calls fn for each TLV of rule userdata.
func walkTLVs(ud []byte, fn func(typ byte, val []byte)) error {
	for len(ud) > 0 {
		if len(ud) < 2 || int(ud[1]) > len(ud)-2 {
			return fmt.Errorf("malformed rule userdata")
		}
		fn(ud[0], ud[2:2+int(ud[1])])
		ud = ud[2+int(ud[1]):]
	}
	return nil
}
