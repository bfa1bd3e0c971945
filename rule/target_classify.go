package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
)

// Classify is -j CLASSIFY --set-class MAJOR:MINOR: set the packet's traffic
// control class (skb priority).
type Classify struct {
	Major, Minor uint16
	set          bool
}

func newClassify(*Rule) (Target, error) { return &Classify{}, nil }

// Name returns "CLASSIFY".
func (c *Classify) Name() string { return "CLASSIFY" }

func (c *Classify) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--set-class" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, c.set)
	if err != nil {
		return true, err
	}
	maj, min, ok := strings.Cut(v, ":")
	a, errA := parseHex16(maj)
	b, errB := parseHex16(min)
	if !ok || errA != nil || errB != nil {
		return true, argError(v, "bad class (MAJOR:MINOR, hexadecimal, each at most ffff)")
	}
	c.Major, c.Minor, c.set = a, b, true
	return true, nil
}

// parseHex16 parses a tc handle half: hexadecimal, "0x" optional.
func parseHex16(s string) (uint16, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" || strings.ContainsAny(s, "+-_") {
		return 0, fmt.Errorf("empty")
	}
	n, err := strconv.ParseUint(s, 16, 16)
	return uint16(n), err
}

func (c *Classify) finish(*Rule) error {
	if !c.set {
		return argError("-j CLASSIFY", "needs --set-class")
	}
	return nil
}

func (c *Classify) args() []string {
	return []string{"--set-class", fmt.Sprintf("%04x:%04x", c.Major, c.Minor)}
}

func (c *Classify) xlate(x *xlator) error {
	prio := uint32(c.Major)<<16 | uint32(c.Minor)
	text := fmt.Sprintf("%x:%x", c.Major, c.Minor)
	switch prio {
	case 0:
		text = "none"
	case 0xffffffff:
		text = "root"
	}
	x.add("meta priority set "+text,
		&expr.Immediate{Register: 1, Data: ne32(prio)},
		&expr.Meta{Key: expr.MetaKeyPRIORITY, SourceRegister: true, Register: 1})
	return nil
}
