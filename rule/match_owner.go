package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule/xt"
)

// Owner is the owner match: the user or group owning the local socket that
// sent the packet, each a single id or an inclusive range.
type Owner struct {
	UID, GID ownerRange
	// Socket is --socket-exists: the packet has a local socket (Set), or
	// not (Invert).
	Socket struct{ Set, Invert bool }
	// SupplGroups is --suppl-groups: --gid-owner also matches the
	// supplementary groups of the socket's file.
	SupplGroups bool
}

// ownerRange is one --uid-owner or --gid-owner.
type ownerRange struct {
	Set    bool
	Lo, Hi uint32
	Invert bool
}

// Name returns "owner".
func (m *Owner) Name() string   { return "owner" }
func (m *Owner) stateful() bool { return false }

func (m *Owner) parse(p *parser, opt string, invert bool) (bool, error) {
	var o *ownerRange
	switch opt {
	case "--socket-exists":
		if m.Socket.Set {
			return true, argError(opt, "given twice")
		}
		m.Socket.Set, m.Socket.Invert = true, invert
		return true, nil
	case "--suppl-groups":
		switch {
		case invert:
			return true, noInvert(opt, invert)
		case !m.GID.Set:
			return true, argError(opt, "needs --gid-owner first")
		}
		m.SupplGroups = true
		return true, nil
	case "--uid-owner":
		o = &m.UID
	case "--gid-owner":
		o = &m.GID
	default:
		return false, nil
	}
	v, err := p.onceValue(opt, o.Set)
	if err != nil {
		return true, err
	}
	a, b, isRange := strings.Cut(v, "-")
	lo, err := ownerID(a)
	if err != nil {
		return true, err
	}
	hi := lo
	if isRange {
		if hi, err = ownerID(b); err != nil {
			return true, err
		}
	}
	if lo > hi {
		return true, argError(v, "range is inverted (%d > %d)", lo, hi)
	}
	*o = ownerRange{Set: true, Lo: lo, Hi: hi, Invert: invert}
	return true, nil
}

// ownerID parses a numeric id. Names other than root are refused: their
// number depends on the host's user database.
func ownerID(v string) (uint32, error) {
	if v == "root" {
		return 0, nil
	}
	n, err := parseUint(v, 32)
	if err != nil || n == 0xffffffff {
		return 0, argError(v, "not a numeric user or group id (names other than root are not looked up)")
	}
	return uint32(n), nil
}

func (m *Owner) finish(*Rule) error {
	if !m.UID.Set && !m.GID.Set && !m.Socket.Set {
		return argError("-m owner", "needs --uid-owner, --gid-owner or --socket-exists")
	}
	return nil
}

// args are in iptables-save order: --socket-exists first,
// --suppl-groups last.
func (m *Owner) args() []string {
	var out []string
	if m.Socket.Set {
		if m.Socket.Invert {
			out = append(out, "!")
		}
		out = append(out, "--socket-exists")
	}
	for _, o := range []struct {
		opt string
		r   ownerRange
	}{{"--uid-owner", m.UID}, {"--gid-owner", m.GID}} {
		if o.r.Set {
			v := strconv.FormatUint(uint64(o.r.Lo), 10)
			if o.r.Lo != o.r.Hi {
				v += "-" + strconv.FormatUint(uint64(o.r.Hi), 10)
			}
			out = append(out, invertArgs(o.r.Invert, o.opt, v)...)
		}
	}
	if m.SupplGroups {
		out = append(out, "--suppl-groups")
	}
	return out
}

// xlate: for a packet without a full socket with a file (sent by the
// kernel, or by a time-wait socket) xt_owner matches exactly when every
// option is negated, while nft's skuid/skgid never match. Without a negated
// option nft's statements are exact; with one, the owner match itself is
// installed (xt owner), all options in one match as iptables builds it.
func (m *Owner) xlate(x *xlator) error {
	type opt struct {
		key string
		mk  expr.MetaKey
		r   ownerRange
	}
	opts := []opt{{"skuid", expr.MetaKeySKUID, m.UID}, {"skgid", expr.MetaKeySKGID, m.GID}}
	text := func(o opt) string {
		v := fmt.Sprint(o.r.Lo)
		if o.r.Lo != o.r.Hi {
			v = fmt.Sprintf("%d-%d", o.r.Lo, o.r.Hi)
		}
		return o.key + " " + neq(o.r.Invert) + v
	}
	if m.Socket.Set || m.SupplGroups {
		ext, info := m.xtInfo()
		return x.addXtOnly("nft has no match on whether a packet has a local socket or on its supplementary groups", ext, info)
	}
	if (m.UID.Set && m.UID.Invert) || (m.GID.Set && m.GID.Invert) {
		var texts []string
		for _, o := range opts {
			if o.r.Set {
				texts = append(texts, text(o))
			}
		}
		ext, info := m.xtInfo()
		return x.addXt(strings.Join(texts, " "), "which never matches a packet without a socket, while a negated --uid-owner or --gid-owner matches it",
			ext, info)
	}
	for _, o := range opts {
		if o.r.Set {
			x.addLazy(func() string { return text(o) }, append([]expr.Any{meta(o.mk)}, hostValueCmp(false, o.r.Lo, o.r.Hi)...)...)
		}
	}
	return nil
}

// xtInfo encodes the match as struct xt_owner_match_info: one bit per
// option given, and in Invert per option negated.
func (m *Owner) xtInfo() (*xt.Ext, []byte) {
	info := xt.Owner{UIDMin: m.UID.Lo, UIDMax: m.UID.Hi, GIDMin: m.GID.Lo, GIDMax: m.GID.Hi}
	for i, r := range []ownerRange{m.UID, m.GID} {
		bit := uint8(xt.OwnerUID << i)
		if r.Set {
			info.Match |= bit
		}
		if r.Set && r.Invert {
			info.Invert |= bit
		}
	}
	if m.Socket.Set {
		info.Match |= xt.OwnerSocket
		if m.Socket.Invert {
			info.Invert |= xt.OwnerSocket
		}
	}
	if m.SupplGroups {
		info.Match |= xt.OwnerSupplGroups
	}
	return xt.OwnerMatch, info.Marshal()
}
