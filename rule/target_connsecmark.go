package rule

import "github.com/nftsync/nftsync/rule/xt"

// ConnSecmark is -j CONNSECMARK --save or --restore: copy the packet's
// security mark to its connection, or back. nft's "ct secmark set meta
// secmark" and its reverse copy unconditionally, where CONNSECMARK saves
// only onto a connection without one and restores only onto a packet
// without one, and iptables-translate has no text: the rule runs the
// target itself, which the kernel loads only in a table named mangle or
// security.
type ConnSecmark struct {
	Mode uint8 // xt.ConnSecmarkSave or xt.ConnSecmarkRestore
}

func newConnSecmark(*Rule) (Target, error) { return &ConnSecmark{}, nil }

// Name returns "CONNSECMARK".
func (c *ConnSecmark) Name() string { return "CONNSECMARK" }

func (c *ConnSecmark) parse(_ *parser, opt string, invert bool) (bool, error) {
	modes := map[string]uint8{"--save": xt.ConnSecmarkSave, "--restore": xt.ConnSecmarkRestore}
	m, ok := modes[opt]
	if !ok {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	switch c.Mode {
	case 0:
		c.Mode = m
		return true, nil
	case m:
		return true, argError(opt, "may only be given once")
	}
	return true, argError(opt, "--save and --restore cannot be used together")
}

func (c *ConnSecmark) finish(*Rule) error {
	if c.Mode == 0 {
		return argError("-j CONNSECMARK", "needs --save or --restore")
	}
	return nil
}

func (c *ConnSecmark) args() []string {
	if c.Mode == xt.ConnSecmarkRestore {
		return []string{"--restore"}
	}
	return []string{"--save"}
}

func (c *ConnSecmark) xlate(x *xlator) error {
	ext, info := c.xtInfo()
	return x.addXtOnly("nft's secmark copies are unconditional", ext, info)
}

// xtInfo encodes the target as struct xt_connsecmark_target_info.
func (c *ConnSecmark) xtInfo() (*xt.Ext, []byte) {
	return xt.ConnSecmarkTarget, xt.ConnSecmark{Mode: c.Mode}.Marshal()
}
