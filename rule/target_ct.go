package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule/xt"
)

// CT is -j CT: attach a conntrack template to the packet (table raw).
// With --notrack alone it is nft's notrack statement, as -j NOTRACK is.
// Any other form (a helper, a zone, event masks, a timeout policy, or no
// option at all) has no nft statement of the same meaning (nft's "ct
// helper set" needs a named helper object, its "ct zone set" no template)
// and iptables-translate no text: the rule runs the target itself, which
// the kernel loads only in a table named raw.
type CT struct {
	NoTrack             bool
	Helper, Timeout     string // the helper truncated as iptables truncates it
	CTEvents, ExpEvents uint32
	Zone                uint16
	ZoneDir             string // "", "-orig" or "-reply": the option's suffix
	ZoneByMark          bool
	seen                map[string]bool
}

func newCT(*Rule) (Target, error) { return &CT{seen: map[string]bool{}}, nil }

// Name returns "CT".
func (c *CT) Name() string { return "CT" }

// ctEventNames and ctExpEventNames are libxt_CT's event names, by bit
// (enum ip_conntrack_events, ip_conntrack_expect_events), in the order
// iptables-save prints them.
var (
	ctEventNames    = []string{"new", "related", "destroy", "reply", "assured", "protoinfo", "helper", "mark", "natseqinfo", "secmark"}
	ctExpEventNames = []string{"new"}
)

func (c *CT) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--notrack", "--helper", "--timeout", "--ctevents", "--expevents", "--zone", "--zone-orig", "--zone-reply":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if c.seen[opt] {
		return true, argError(opt, "may only be given once")
	}
	c.seen[opt] = true
	if opt == "--notrack" {
		c.NoTrack = true
		return true, nil
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	switch opt {
	case "--helper":
		c.Helper = v[:min(len(v), xt.CTHelperMax)]
	case "--timeout":
		// The kernel dumps CT's info only up to the end of struct
		// xt_ct_target_info (its usersize for every revision), which
		// holds the first 4 bytes of the timeout policy's name: a
		// longer name reads back cut, so nftsync could not recognise
		// the rule it installed (and iptables-save lists it cut).
		if len(v) > xt.CTTimeoutDumped {
			return true, &ParseError{Arg: v, Reason: fmt.Sprintf("CT --timeout with a policy name over %d bytes is not installed: the kernel lists only its first %d bytes back", xt.CTTimeoutDumped, xt.CTTimeoutDumped), Err: ErrUnsupported}
		}
		c.Timeout = v
	case "--ctevents":
		c.CTEvents, err = ctEvents(ctEventNames, v)
	case "--expevents":
		c.ExpEvents, err = ctEvents(ctExpEventNames, v)
	default:
		err = c.parseZone(opt, v)
	}
	return true, err
}

// parseZone reads --zone, --zone-orig or --zone-reply: a zone ID or
// "mark" (any case). Two of them together are refused: iptables merges
// them into one that its save prints as another rule.
func (c *CT) parseZone(opt, v string) error {
	for _, o := range []string{"--zone", "--zone-orig", "--zone-reply"} {
		if o != opt && c.seen[o] {
			return argError(opt, "cannot be used together with %s (iptables-save would list the rule as another)", o)
		}
	}
	c.ZoneDir = strings.TrimPrefix(opt, "--zone")
	if strings.EqualFold(v, "mark") {
		c.ZoneByMark = true
		return nil
	}
	n, err := tgUint(v, 0xffff)
	if err != nil {
		return argError(v, "cannot parse as a zone ID")
	}
	c.Zone = uint16(n)
	return nil
}

// ctEvents parses a comma-separated list of event names into a bitmap.
func ctEvents(names []string, v string) (uint32, error) {
	var bits uint32
	for _, s := range strings.Split(v, ",") {
		i := indexOf(names, s)
		if i < 0 {
			return 0, argError(s, "unknown event type (one of %s)", strings.Join(names, ", "))
		}
		bits |= 1 << i
	}
	return bits, nil
}

// indexOf returns the index of s in list, or -1.
func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// finish refuses --helper and --timeout without -p, as the kernel does:
// it looks the helper and the timeout policy up by the rule's protocol.
func (c *CT) finish(r *Rule) error {
	if (c.Helper != "" || c.Timeout != "") && (!r.Proto.Set || r.Proto.Invert || r.Proto.Num == 0) {
		return argError("-j CT", "--helper and --timeout need -p PROTOCOL (the kernel looks them up by the rule's protocol)")
	}
	return nil
}

// notrackOnly reports whether the rule is -j CT --notrack alone.
func (c *CT) notrackOnly() bool {
	return c.NoTrack && len(c.seen) == 1
}

// args are in iptables-save's order. Zone 0 (not by mark) is the default
// zone whatever its direction, and iptables-save leaves it out.
func (c *CT) args() []string {
	var out []string
	if c.NoTrack {
		out = append(out, "--notrack")
	}
	if c.Helper != "" {
		out = append(out, "--helper", c.Helper)
	}
	if c.Timeout != "" {
		out = append(out, "--timeout", c.Timeout)
	}
	if c.CTEvents != 0 {
		out = append(out, "--ctevents", ctEventText(ctEventNames, c.CTEvents))
	}
	if c.ExpEvents != 0 {
		out = append(out, "--expevents", ctEventText(ctExpEventNames, c.ExpEvents))
	}
	switch {
	case c.ZoneByMark:
		out = append(out, "--zone"+c.ZoneDir, "mark")
	case c.Zone != 0:
		out = append(out, "--zone"+c.ZoneDir, strconv.Itoa(int(c.Zone)))
	}
	return out
}

// ctEventText lists the events of a bitmap by name, in table order.
func ctEventText(names []string, bits uint32) string {
	var out []string
	for i, n := range names {
		if bits&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// keyArgs spells -j CT --notrack as -j NOTRACK's key does (the same
// meaning); other forms are their own.
func (c *CT) keyArgs() []string {
	return append([]string{"-j", "CT"}, c.args()...)
}

func (c *CT) xlate(x *xlator) error {
	if c.notrackOnly() {
		x.add("notrack", &expr.Notrack{})
		return nil
	}
	ext, info := c.xtInfo()
	return x.addXtOnly("nft has no statement that attaches a conntrack template with these settings", ext, info)
}

// xtInfo encodes the target as struct xt_ct_target_info_v1, as iptables
// writes the rule's iptables-save form.
func (c *CT) xtInfo() (*xt.Ext, []byte) {
	info := xt.CT{CTEvents: c.CTEvents, ExpEvents: c.ExpEvents, Helper: c.Helper, TimeoutName: c.Timeout}
	if c.NoTrack {
		info.Flags |= xt.CTNoTrack
	}
	if c.ZoneByMark || c.Zone != 0 {
		info.Zone = c.Zone
		switch c.ZoneDir {
		case "-orig":
			info.Flags |= xt.CTZoneOrig
		case "-reply":
			info.Flags |= xt.CTZoneReply
		}
	}
	if c.ZoneByMark {
		info.Flags |= xt.CTZoneByMark
	}
	return xt.CTTarget, info.Marshal()
}
