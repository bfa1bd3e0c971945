package rule

import (
	"strconv"

	"github.com/nftsync/nftsync/rule/xt"
)

// ECNTarget is -j ECN (IPv4): rewrite the IP header's ECN field and the TCP ECE
// and CWR flags. iptables-translate has no text for it and nft cannot
// write single TCP flag bits under a mask: the rule runs the target
// itself, which the kernel loads only in a table named mangle.
type ECNTarget struct {
	Ops      uint8 // xt.ECNSetIP, xt.ECNSetECE, xt.ECNSetCWR
	IPECT    uint8
	ECE, CWR bool
	seen     map[string]bool
}

func newECNTarget(r *Rule) (Target, error) {
	if r.Family != IPv4 {
		return nil, argError("-j ECN", "is IPv4 only")
	}
	return &ECNTarget{seen: map[string]bool{}}, nil
}

// Name returns "ECN".
func (e *ECNTarget) Name() string { return "ECN" }

func (e *ECNTarget) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--ecn-tcp-remove", "--ecn-tcp-cwr", "--ecn-tcp-ece", "--ecn-ip-ect":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if e.seen[opt] {
		return true, argError(opt, "may only be given once")
	}
	// --ecn-tcp-remove is both flags cleared, and excludes setting either.
	if (opt == "--ecn-tcp-remove" && (e.seen["--ecn-tcp-cwr"] || e.seen["--ecn-tcp-ece"])) ||
		(opt != "--ecn-ip-ect" && opt != "--ecn-tcp-remove" && e.seen["--ecn-tcp-remove"]) {
		return true, argError(opt, "cannot be used together with --ecn-tcp-remove")
	}
	e.seen[opt] = true
	if opt == "--ecn-tcp-remove" {
		e.Ops |= xt.ECNSetECE | xt.ECNSetCWR
		e.ECE, e.CWR = false, false
		return true, nil
	}
	max := uint64(1)
	if opt == "--ecn-ip-ect" {
		max = 3
	}
	n, err := tgValue(p, opt, max)
	if err != nil {
		return true, err
	}
	switch opt {
	case "--ecn-tcp-cwr":
		e.Ops, e.CWR = e.Ops|xt.ECNSetCWR, n == 1
	case "--ecn-tcp-ece":
		e.Ops, e.ECE = e.Ops|xt.ECNSetECE, n == 1
	case "--ecn-ip-ect":
		e.Ops, e.IPECT = e.Ops|xt.ECNSetIP, uint8(n)
	}
	return true, nil
}

// finish refuses what iptables refuses, and TCP flag operations without
// -p tcp, which the kernel's checkentry refuses.
func (e *ECNTarget) finish(r *Rule) error {
	if e.Ops == 0 {
		return argError("-j ECN", "needs an operation (--ecn-tcp-remove, --ecn-tcp-cwr, --ecn-tcp-ece or --ecn-ip-ect)")
	}
	if e.Ops&(xt.ECNSetECE|xt.ECNSetCWR) != 0 && !isTCP(r) {
		return argError("-j ECN", "the TCP flag options need -p tcp")
	}
	return nil
}

// isTCP reports whether the rule has -p tcp, not negated.
func isTCP(r *Rule) bool {
	return r.Proto.Set && !r.Proto.Invert && r.Proto.Num == protoTCP
}

// args are in iptables-save's order; both TCP flags cleared print as
// --ecn-tcp-remove, however they were given.
func (e *ECNTarget) args() []string {
	var out []string
	if e.Ops&(xt.ECNSetECE|xt.ECNSetCWR) == xt.ECNSetECE|xt.ECNSetCWR && !e.ECE && !e.CWR {
		out = append(out, "--ecn-tcp-remove")
	} else {
		if e.Ops&xt.ECNSetECE != 0 {
			out = append(out, "--ecn-tcp-ece", strconv.Itoa(b2u(e.ECE)))
		}
		if e.Ops&xt.ECNSetCWR != 0 {
			out = append(out, "--ecn-tcp-cwr", strconv.Itoa(b2u(e.CWR)))
		}
	}
	if e.Ops&xt.ECNSetIP != 0 {
		out = append(out, "--ecn-ip-ect", strconv.Itoa(int(e.IPECT)))
	}
	return out
}

// b2u is 1 for true.
func b2u(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (e *ECNTarget) xlate(x *xlator) error {
	ext, info := e.xtInfo()
	return x.addXtOnly("nft cannot rewrite the ECN bits of the TCP flags alone", ext, info)
}

// xtInfo encodes the target as struct ipt_ECN_info.
func (e *ECNTarget) xtInfo() (*xt.Ext, []byte) {
	return xt.ECNTarget, xt.ECN{Ops: e.Ops, IPECT: e.IPECT, ECE: e.ECE, CWR: e.CWR}.Marshal()
}
