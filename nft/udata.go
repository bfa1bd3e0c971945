package nft

import (
	"errors"
	"fmt"

	"github.com/nftsync/nftsync/rule"
)

// Rule userdata is a list of TLVs (type byte, length byte, value). nft
// prints type 0 as the rule's comment and ignores types it does not know;
// nftsync adds its own type holding the rule's iptables form, so that Read
// returns iptables rules without any cache and a dumped rule is recognised
// as one nftsync wrote.
const (
	udComment = 0
	// udSpec holds version byte, comment position byte, then the rule in
	// iptables-save form without its -m comment match (the comment is in
	// udComment already). Specs longer than one TLV continue in further
	// udSpec TLVs.
	udSpec        = 0x8
	udSpecVersion = 1
	noComment     = 0xff
	// maxUserData is NFT_USERDATA_MAXLEN: the kernel refuses more.
	maxUserData = 256
)

// ruleUserData returns the userdata nftsync stores with a rule: the comment
// TLV nft shows plus the spec TLVs. When they do not fit the kernel's 256
// bytes the error is errUserDataFull, and the rule keeps its spec in its
// expressions instead (see longspec.go).
func ruleUserData(r *rule.Rule, tr *rule.Translation) ([]byte, error) {
	ud, err := specUserData(r, tr)
	if err != nil {
		return nil, err
	}
	if len(ud) > maxUserData {
		return nil, fmt.Errorf("%w: rule and comment need %d bytes of userdata; the kernel stores at most %d", errUserDataFull, len(ud), maxUserData)
	}
	return ud, nil
}

// errUserDataFull says a rule's comment and spec do not fit its userdata.
var errUserDataFull = errors.New("userdata full")

// specUserData is ruleUserData without the kernel's size limit.
func specUserData(r *rule.Rule, tr *rule.Translation) ([]byte, error) {
	if len(r.Matches) >= noComment {
		return nil, fmt.Errorf("rule has %d matches; nftsync stores at most %d", len(r.Matches), noComment-1)
	}
	if len(tr.Comment)+1 > 255 {
		// One TLV holds 255 bytes: the comment and its NUL.
		return nil, fmt.Errorf("the rule's comment is %d bytes; nftsync stores at most 254 for now (iptables keeps 255)", len(tr.Comment))
	}
	// The comment TLV, as tr.UserData() has it, then the spec TLVs, in
	// one allocation of the exact size.
	commented := tr.Commented || tr.Comment != ""
	pos := byte(noComment)
	for i, m := range r.Matches {
		// Only the comment that is in the comment TLV (nft's comment,
		// the last one, possibly empty) leaves the spec; other comments
		// stay in it.
		if c, ok := m.(*rule.Comment); ok && commented && c.Text == tr.Comment {
			pos = byte(i)
			break
		}
	}
	var spec string
	if pos == noComment {
		spec = r.String()
	} else {
		stripped := *r
		stripped.Matches = make([]rule.Match, 0, len(r.Matches)-1)
		stripped.Matches = append(append(stripped.Matches, r.Matches[:pos]...), r.Matches[pos+1:]...)
		spec = stripped.String()
	}
	payload := 2 + len(spec) // version, comment position, spec
	size := payload + 2*((payload+254)/255)
	if commented {
		size += 2 + len(tr.Comment) + 1
	}
	ud := tr.AppendUserData(make([]byte, 0, size))
	for first := true; first || len(spec) > 0; first = false {
		n := min(payload, 255)
		payload -= n
		ud = append(ud, udSpec, byte(n))
		if first {
			ud = append(ud, udSpecVersion, pos)
			n -= 2
		}
		ud = append(ud, spec[:n]...)
		spec = spec[n:]
	}
	return ud, nil
}

// errNoSpec says a rule carries no nftsync spec: someone else wrote it.
var errNoSpec = errors.New("rule has no nftsync spec in its userdata")

// parseUserData recovers the iptables rule nftsync stored in a rule's
// userdata. Malformed or foreign userdata is an error, never a panic.
func parseUserData(fam rule.Family, ud []byte) (*rule.Rule, error) {
	var comment, payload []byte
	for len(ud) > 0 {
		if len(ud) < 2 || int(ud[1]) > len(ud)-2 {
			return nil, fmt.Errorf("malformed rule userdata")
		}
		typ, val := ud[0], ud[2:2+int(ud[1])]
		switch typ {
		case udComment:
			comment = val
		case udSpec:
			payload = append(payload, val...)
		}
		ud = ud[2+int(ud[1]):]
	}
	if len(payload) < 2 || payload[0] != udSpecVersion {
		return nil, errNoSpec
	}
	r, err := rule.ParseString(fam, string(payload[2:]))
	if err != nil {
		return nil, fmt.Errorf("parsing stored spec %q: %w", payload[2:], err)
	}
	pos := int(payload[1])
	if pos == noComment {
		return r, nil
	}
	if pos > len(r.Matches) {
		return nil, fmt.Errorf("stored spec names a comment at match %d of %d", pos, len(r.Matches))
	}
	// Rules written before empty comments stayed in the spec name a
	// comment without a comment TLV: the comment was empty (comment is
	// nil).
	text := cstring(comment)
	c, err := rule.Parse(fam, []string{"-m", "comment", "--comment", text})
	if err != nil {
		return nil, fmt.Errorf("parsing stored comment %q: %w", text, err)
	}
	r.Matches = append(r.Matches[:pos], append([]rule.Match{c.Matches[0]}, r.Matches[pos:]...)...)
	return r, nil
}
