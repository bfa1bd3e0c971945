package rule

import (
	"strconv"

	"github.com/google/nftables/expr"
)

// SynProxy is -j SYNPROXY: answer TCP handshakes with SYN cookies and
// open the connection to the server once the client has completed it.
// xt_SYNPROXY and nft's synproxy statement share nf_synproxy_core. With
// --ecn the rule runs the SYNPROXY target itself (target_synproxy_xt.go).
type SynProxy struct {
	MSS                      uint16
	WScale                   uint8
	SackPerm, Timestamp, ECN bool
	mssSet, wscaleSet        bool
}

func newSynProxy(*Rule) (Target, error) { return &SynProxy{}, nil }

// Name returns "SYNPROXY".
func (s *SynProxy) Name() string { return "SYNPROXY" }

func (s *SynProxy) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--mss", "--wscale", "--sack-perm", "--timestamp", "--ecn":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	switch opt {
	case "--sack-perm":
		s.SackPerm = true
	case "--timestamp":
		s.Timestamp = true
	case "--ecn":
		s.ECN = true
	case "--mss":
		if s.mssSet {
			return true, argError(opt, "may only be given once")
		}
		n, err := tgValue(p, opt, 0xffff)
		if err != nil {
			return true, err
		}
		s.MSS, s.mssSet = uint16(n), true
	case "--wscale":
		if s.wscaleSet {
			return true, argError(opt, "may only be given once")
		}
		n, err := tgValue(p, opt, 0xff)
		if err != nil {
			return true, err
		}
		s.WScale, s.wscaleSet = uint8(n), true
	}
	return true, nil
}

func (s *SynProxy) finish(r *Rule) error {
	if !r.Proto.Set || r.Proto.Invert || r.Proto.Num != protoTCP {
		return argError("-j SYNPROXY", "needs -p tcp")
	}
	return nil
}

// args are in iptables-save order.
func (s *SynProxy) args() []string {
	var out []string
	if s.SackPerm {
		out = append(out, "--sack-perm")
	}
	if s.Timestamp {
		out = append(out, "--timestamp")
	}
	if s.wscaleSet {
		out = append(out, "--wscale", strconv.Itoa(int(s.WScale)))
	}
	if s.mssSet {
		out = append(out, "--mss", strconv.Itoa(int(s.MSS)))
	}
	if s.ECN {
		out = append(out, "--ecn")
	}
	return out
}

func (s *SynProxy) xlate(x *xlator) error {
	text := "synproxy"
	for _, a := range s.args() {
		if a[0] == '-' {
			text += " " + a[2:]
		} else {
			text += " " + a
		}
	}
	if s.ECN {
		return s.xlateXt(x, text)
	}
	x.add(text, &expr.SynProxy{Mss: s.MSS, Wscale: s.WScale, SackPerm: s.SackPerm, Timestamp: s.Timestamp,
		MssValueSet: s.mssSet, WscaleValueSet: s.wscaleSet})
	return nil
}
