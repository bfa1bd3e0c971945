package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlateXt installs the NFQUEUE target itself, always: nft's queue
// statement needs the kernel's nft_queue module, which some kernels are
// built without (this project's CI kernel among them: the rule is refused
// with ENOENT when the ruleset is applied, too late to refuse it before
// anything changes), while xt_NFQUEUE is the code iptables (legacy and
// nft) runs for the rule. nftsync cannot cheaply tell at translation time
// whether a module exists, and the two are the same queueing, so it
// installs the one that works wherever iptables' rule does. translate
// keeps printing iptables-translate's text, with a warning.
func (q *NFQueue) xlateXt(x *xlator, text string) error {
	ext, info := q.xtInfo()
	return x.addXt(text, "which needs the kernel's nft_queue module, missing from some kernels", ext, info)
}

// xtInfo encodes the target as struct xt_NFQ_info_v3.
func (q *NFQueue) xtInfo() (*xt.Ext, []byte) {
	n := xt.NFQueue{Num: q.Num, Total: q.Total}
	if q.Bypass {
		n.Flags |= xt.NFQueueBypass
	}
	if q.Fanout {
		n.Flags |= xt.NFQueueCPUFanout
	}
	return xt.NFQueueTarget, n.Marshal()
}
