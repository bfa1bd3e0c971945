package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the target as struct ipt_reject_info or ip6t_reject_info
// (the family's --reject-with enum), for rules placed in iptables-nft's
// own filter table; nil for a type the enum lacks.
func (j *Reject) xtInfo() (*xt.Ext, []byte) {
	with := xt.RejectIPv4
	if j.fam == IPv6 {
		with = xt.RejectIPv6
	}
	n, ok := with[j.With]
	if !ok {
		return nil, nil
	}
	return xt.RejectTarget, xt.RejectWith(n)
}
