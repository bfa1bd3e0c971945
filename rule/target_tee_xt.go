package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlateXt installs TEE itself for --oif: iptables-translate prints "dup to
// GW device IF", whose device nft resolves to an interface index once,
// when the rule is loaded (and refuses while the interface is missing),
// where xt_TEE follows the name.
func (t *TEE) xlateXt(x *xlator) error {
	ext, info := t.xtInfo()
	return x.addXt("dup to "+t.Gateway.String()+" device "+t.Oif,
		"which binds the interface index at load time, where TEE follows the interface's name", ext, info)
}

// xtInfo encodes the target as struct xt_tee_tginfo.
func (t *TEE) xtInfo() (*xt.Ext, []byte) {
	return xt.TEETarget, xt.TEE{Gateway: t.Gateway, Oif: t.Oif}.Marshal()
}
