package rule

import (
	"strconv"

	"github.com/google/nftables/expr"
)

// TCPMSS is -j TCPMSS: lower the MSS option of TCP SYN packets, to a fixed
// value (--set-mss) or to the route's path MTU (--clamp-mss-to-pmtu).
type TCPMSS struct {
	// MSS is the --set-mss value; 0 with Clamp set means --clamp-mss-to-pmtu.
	MSS   uint16
	Clamp bool
	set   bool
}

func newTCPMSS(*Rule) (Target, error) { return &TCPMSS{}, nil }

// Name returns "TCPMSS".
func (t *TCPMSS) Name() string { return "TCPMSS" }

func (t *TCPMSS) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--set-mss" && opt != "--clamp-mss-to-pmtu" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if t.set {
		return true, argError(opt, "TCPMSS takes only one of --set-mss and --clamp-mss-to-pmtu")
	}
	t.set = true
	if opt == "--clamp-mss-to-pmtu" {
		t.Clamp = true
		return true, nil
	}
	// 65535 is the kernel's marker for clamping, so it cannot be set.
	v, err := tgValue(p, opt, 0xfffe)
	if err != nil {
		return true, err
	}
	t.MSS = uint16(v)
	return true, nil
}

func (t *TCPMSS) finish(r *Rule) error {
	if !t.set {
		return argError("-j TCPMSS", "needs --set-mss or --clamp-mss-to-pmtu")
	}
	if !r.Proto.Set || r.Proto.Invert || r.Proto.Num != protoTCP {
		return argError("-j TCPMSS", "needs -p tcp")
	}
	return nil
}

func (t *TCPMSS) args() []string {
	if t.Clamp {
		return []string{"--clamp-mss-to-pmtu"}
	}
	return []string{"--set-mss", strconv.Itoa(int(t.MSS))}
}

func (t *TCPMSS) xlate(x *xlator) error {
	exprs := x.needL4(protoTCP)
	text := "tcp option maxseg size set "
	if t.Clamp {
		text += "rt mtu"
		exprs = append(exprs,
			&expr.Rt{Register: 1, Key: expr.RtTCPMSS},
			&expr.Byteorder{SourceRegister: 1, DestRegister: 1, Op: expr.ByteorderHton, Len: 2, Size: 2})
	} else {
		text += strconv.Itoa(int(t.MSS))
		exprs = append(exprs, &expr.Immediate{Register: 1, Data: be16(t.MSS)})
	}
	exprs = append(exprs, &expr.Exthdr{SourceRegister: 1, Type: 2, Offset: 2, Len: 2, Op: expr.ExthdrOpTcpopt})
	x.add(text, exprs...)
	return nil
}
