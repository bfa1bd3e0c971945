package rule

import (
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// TCPOptStrip is -j TCPOPTSTRIP [--strip-options LIST]: replace the listed
// TCP options (by kind) with NOPs. iptables-translate has no text for it
// and nft's "reset tcp option" takes one option per statement and fewer
// kinds: the rule runs the target itself, which the kernel loads only in a
// table named mangle and for -p tcp.
type TCPOptStrip struct {
	Strip [8]uint32 // bit N strips option kind N
	set   bool
}

// tcpOptNames are the option names libxt_TCPOPTSTRIP knows.
var tcpOptNames = map[string]uint8{"wscale": 3, "mss": 2, "sack-permitted": 4, "sack": 5, "timestamp": 8, "md5": 19}

func newTCPOptStrip(*Rule) (Target, error) { return &TCPOptStrip{}, nil }

// Name returns "TCPOPTSTRIP".
func (t *TCPOptStrip) Name() string { return "TCPOPTSTRIP" }

func (t *TCPOptStrip) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--strip-options" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, t.set)
	if err != nil {
		return true, err
	}
	t.set = true
	for _, s := range strings.Split(v, ",") {
		kind, ok := tcpOptNames[s]
		if !ok {
			n, err := tgUint(s, 0xff)
			if err != nil {
				return true, argError(s, "bad TCP option value")
			}
			kind = uint8(n)
		}
		if kind < 2 {
			return true, argError(s, "option value may not be 0 or 1")
		}
		if t.Strip[kind/32]&(1<<(kind%32)) != 0 {
			return true, argError(s, "option already specified")
		}
		t.Strip[kind/32] |= 1 << (kind % 32)
	}
	return true, nil
}

func (t *TCPOptStrip) finish(r *Rule) error {
	if !isTCP(r) {
		return argError("-j TCPOPTSTRIP", "needs -p tcp")
	}
	return nil
}

// args: iptables-save prints the kinds by number, ascending, and nothing
// when none is stripped.
func (t *TCPOptStrip) args() []string {
	var kinds []string
	for k := 0; k < 256; k++ {
		if t.Strip[k/32]&(1<<(k%32)) != 0 {
			kinds = append(kinds, strconv.Itoa(k))
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	return []string{"--strip-options", strings.Join(kinds, ",")}
}

func (t *TCPOptStrip) xlate(x *xlator) error {
	ext, info := t.xtInfo()
	return x.addXtOnly("nft has no statement that strips a set of TCP options", ext, info)
}

// xtInfo encodes the target as struct xt_tcpoptstrip_target_info.
func (t *TCPOptStrip) xtInfo() (*xt.Ext, []byte) {
	return xt.TCPOptStripTarget, xt.TCPOptStrip{Strip: t.Strip}.Marshal()
}
