package rule

import (
	"fmt"
	"strconv"
)

// PolicyElem is one policy element of the policy match: what one IPsec
// transform of the packet's (or route's) policy must be. A field is
// tested when its Set bit is on, negated when its Invert bit is.
type PolicyElem struct {
	ReqID, SPI     uint32
	Proto          uint8 // 51 ah, 50 esp, 108 ipcomp
	Tunnel         bool  // --mode tunnel (else transport)
	TunSrc, TunDst Addr
	Set, Invert    uint8 // policyField* bits
}

// The fields of a policy element, in the bits of xt_policy_spec.
const (
	policyFieldSrc = 1 << iota
	policyFieldDst
	policyFieldProto
	policyFieldMode
	policyFieldSPI
	policyFieldReqID
)

// policyMaxElems is XT_POLICY_MAX_ELEM.
const policyMaxElems = 4

// parseElem parses --strict, --next and the options of the current
// element.
func (m *Policy) parseElem(p *parser, opt string, invert bool) error {
	switch opt {
	case "--strict", "--next":
		if err := noInvert(opt, invert); err != nil {
			return err
		}
		if opt == "--strict" {
			m.Strict = true
			return nil
		}
		if len(m.Elems) == 0 || m.Elems[len(m.Elems)-1].Set == 0 {
			return argError(opt, "policy element is empty")
		}
		if len(m.Elems) == policyMaxElems {
			return argError(opt, "at most %d policy elements", policyMaxElems)
		}
		m.Elems = append(m.Elems, PolicyElem{})
		return nil
	}
	if len(m.Elems) == 0 {
		m.Elems = append(m.Elems, PolicyElem{})
	}
	e := &m.Elems[len(m.Elems)-1]
	bit := map[string]uint8{"--reqid": policyFieldReqID, "--spi": policyFieldSPI, "--proto": policyFieldProto,
		"--mode": policyFieldMode, "--tunnel-src": policyFieldSrc, "--tunnel-dst": policyFieldDst}[opt]
	v, err := p.onceValue(opt, e.Set&bit != 0)
	if err != nil {
		return err
	}
	switch opt {
	case "--reqid", "--spi":
		n, err := strconv.ParseUint(v, 0, 32)
		if err != nil {
			return argError(v, "not a number")
		}
		if opt == "--reqid" {
			e.ReqID = uint32(n)
		} else {
			e.SPI = uint32(n)
		}
	case "--proto":
		n, err := parseProto(v)
		if err != nil {
			return err
		}
		if n != 50 && n != 51 && n != 108 {
			return argError(v, "protocol must be ah, esp or ipcomp")
		}
		e.Proto = n
	case "--mode":
		switch v {
		case "tunnel", "transport":
			e.Tunnel = v == "tunnel"
		default:
			return argError(v, "mode must be transport or tunnel")
		}
	default:
		a, err := parseAddr(p.rule.Family, v)
		if err != nil {
			return err
		}
		if opt == "--tunnel-src" {
			e.TunSrc = a
		} else {
			e.TunDst = a
		}
	}
	e.Set |= bit
	if invert {
		e.Invert |= bit
	}
	return nil
}

// finishElems checks the elements as iptables does.
func (m *Policy) finishElems() error {
	switch {
	case m.Pol == "none" && (m.Strict || len(m.Elems) > 1):
		return argError("--pol none", "takes no --strict and no policy element")
	case m.Pol == "none":
		// iptables keeps one element's options without --next, but
		// with --pol none no element is used: it drops them.
		m.Elems = nil
	case m.Pol == "ipsec" && m.Strict && len(m.Elems) == 0:
		return argError("--strict", "policy element 1 is empty")
	case len(m.Elems) > 1 && !m.Strict:
		return argError("--next", "several policy elements need --strict")
	}
	for i, e := range m.Elems {
		if e.Set == 0 && (m.Strict || i > 0) {
			return argError("-m policy", "policy element %d is empty", i+1)
		}
		// The mode is transport unless --mode tunnel was given.
		if e.Set&(policyFieldSrc|policyFieldDst) != 0 && e.Tunnel == (e.Invert&policyFieldMode != 0) {
			return argError("--tunnel-src/--tunnel-dst", "only valid in tunnel mode")
		}
	}
	return nil
}

// elemArgs prints --strict and the elements as iptables-save does.
func (m *Policy) elemArgs() []string {
	var out []string
	if m.Strict {
		out = append(out, "--strict")
	}
	for i, e := range m.Elems {
		if i > 0 {
			out = append(out, "--next")
		}
		add := func(bit uint8, opt, v string) {
			if e.Set&bit != 0 {
				out = append(out, invertArgs(e.Invert&bit != 0, opt, v)...)
			}
		}
		add(policyFieldReqID, "--reqid", strconv.FormatUint(uint64(e.ReqID), 10))
		add(policyFieldSPI, "--spi", fmt.Sprintf("0x%x", e.SPI))
		add(policyFieldProto, "--proto", map[uint8]string{50: "esp", 51: "ah", 108: "ipcomp"}[e.Proto])
		add(policyFieldMode, "--mode", map[bool]string{true: "tunnel", false: "transport"}[e.Tunnel])
		add(policyFieldDst, "--tunnel-dst", ctAddrString(e.TunDst))
		add(policyFieldSrc, "--tunnel-src", ctAddrString(e.TunSrc))
	}
	return out
}
