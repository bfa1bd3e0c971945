package rule

import "github.com/nftsync/nftsync/rule/xt"

// Checksum is -j CHECKSUM --checksum-fill: compute a missing (offloaded)
// transport checksum. nft has no such statement and iptables-translate no
// text: the rule runs the target itself, which the kernel loads only in a
// table named mangle.
type Checksum struct {
	set bool
}

func newChecksum(*Rule) (Target, error) { return &Checksum{}, nil }

// Name returns "CHECKSUM".
func (c *Checksum) Name() string { return "CHECKSUM" }

func (c *Checksum) parse(_ *parser, opt string, invert bool) (bool, error) {
	if opt != "--checksum-fill" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if c.set {
		return true, argError(opt, "may only be given once")
	}
	c.set = true
	return true, nil
}

func (c *Checksum) finish(*Rule) error {
	if !c.set {
		return argError("-j CHECKSUM", "needs --checksum-fill")
	}
	return nil
}

func (c *Checksum) args() []string { return []string{"--checksum-fill"} }

func (c *Checksum) xlate(x *xlator) error {
	ext, info := c.xtInfo()
	return x.addXtOnly("nft has no statement that fills in a checksum", ext, info)
}

// xtInfo encodes the target as struct xt_CHECKSUM_info.
func (c *Checksum) xtInfo() (*xt.Ext, []byte) {
	return xt.ChecksumTarget, xt.Checksum{Op: xt.ChecksumFill}.Marshal()
}
