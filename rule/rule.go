package rule

import (
	"net/netip"
)

// Family is the address family a rule is written for: iptables (IPv4) or
// ip6tables (IPv6).
type Family uint8

const (
	// IPv4 is the iptables family; nftables calls it "ip".
	IPv4 Family = iota
	// IPv6 is the ip6tables family; nftables calls it "ip6".
	IPv6
)

// String returns the nftables family name: "ip" or "ip6".
func (f Family) String() string {
	if f == IPv6 {
		return "ip6"
	}
	return "ip"
}

// Iface is an -i or -o match. A Name ending in "+" is a prefix wildcard.
type Iface struct {
	Name   string
	Invert bool
}

// Addr is an -s or -d match: an address under a mask. The mask is usually a
// prefix, but iptables accepts any netmask (-s 10.0.0.0/255.0.255.0). (The
// flags come last so that the struct packs into 56 bytes, not 64.)
type Addr struct {
	IP          netip.Addr // already masked
	Mask        netip.Addr // all-ones for a host address
	Set, Invert bool
}

// Proto is a -p match.
type Proto struct {
	Set    bool
	Num    uint8
	Invert bool
}

// Rule is a parsed iptables rule: the fixed header matches, the extension
// matches in the order they were given, and an optional target. (The
// small fields come first, together, so that a rule takes 224 bytes, not
// 248 rounded up to 256: a controller holds one per rule.)
type Rule struct {
	Family Family
	Proto  Proto
	// Fragment is -f (IPv4 only); FragmentInvert is "! -f".
	Fragment, FragmentInvert bool
	In, Out                  Iface
	Src, Dst                 Addr
	Matches                  []Match
	// Target is nil for a rule without -j/-g (it only counts packets).
	Target Target
	// Counters are the counts the rule's counter starts from (-c); not
	// part of its meaning.
	Counters Counters
}

// Match is a loaded match extension (-m NAME, or one loaded implicitly by -p).
type Match interface {
	extension
	// stateful reports whether evaluating the match has side effects (limit
	// consumes tokens), so that its position relative to other matches is
	// part of the rule's meaning.
	stateful() bool
}

// Target is a -j or -g target: a verdict, a jump, or a target extension.
type Target interface {
	extension
}

// extension is what matches and targets have in common.
type extension interface {
	// Name is the extension's name as written after -m or -j.
	Name() string
	// parse consumes one option of the extension. It reports false when
	// the option is not the extension's.
	parse(p *parser, opt string, invert bool) (bool, error)
	// finish checks the extension once all arguments are read.
	finish(r *Rule) error
	// args returns the extension's options in canonical order, as
	// iptables-save prints them.
	args() []string
	// xlate appends the extension's nftables statements.
	xlate(x *xlator) error
}

// Args is String as an argument list, suitable for exec or go-iptables; a
// comment is one argument even when it has spaces.
func (r *Rule) Args() []string {
	// The usual rule has a few header options, a match or two with an
	// option each, and a target: room for them, and no growing.
	out := r.headerArgs(make([]string, 0, 8+4*len(r.Matches)))
	for _, m := range r.Matches {
		out = append(out, "-m", m.Name())
		out = append(out, m.args()...)
	}
	return append(out, r.targetArgs()...)
}

// keyTarget is a target that has several spellings of one meaning (-j
// NOTRACK and -j CT --notrack): keyArgs is the canonical spelling Key uses,
// while String keeps the one written.
type keyTarget interface {
	keyArgs() []string
}

// headerArgs appends the header's options to out.
func (r *Rule) headerArgs(out []string) []string {
	not := func(inv bool) {
		if inv {
			out = append(out, "!")
		}
	}
	for _, a := range []struct {
		flag string
		addr Addr
	}{{"-s", r.Src}, {"-d", r.Dst}} {
		if a.addr.Set {
			not(a.addr.Invert)
			out = append(out, a.flag, formatAddr(a.addr))
		}
	}
	for _, i := range []struct {
		flag  string
		iface Iface
	}{{"-i", r.In}, {"-o", r.Out}} {
		if i.iface.Name != "" {
			not(i.iface.Invert)
			out = append(out, i.flag, i.iface.Name)
		}
	}
	if r.Proto.Set {
		not(r.Proto.Invert)
		out = append(out, "-p", protoName(r.Proto.Num))
	}
	if r.Fragment {
		not(r.FragmentInvert)
		out = append(out, "-f")
	}
	return out
}

func (r *Rule) targetArgs() []string {
	if r.Target == nil {
		return nil
	}
	flag := "-j"
	if j, ok := r.Target.(*Jump); ok && j.Goto {
		flag = "-g"
	}
	return append([]string{flag, r.Target.Name()}, r.Target.args()...)
}

// formatAddr prints an address as iptables-save does: a prefix length when
// the mask is a prefix, the dotted mask otherwise.
func formatAddr(a Addr) string {
	var buf [96]byte
	return string(appendAddr(buf[:0], a))
}
