package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the target as libipt_REDIRECT (IPv4) or
// libip6t_REDIRECT (IPv6) write it, for rules placed in iptables-nft's own
// nat table: --to-ports sets the range, --random its flag.
func (d *Redirect) xtInfo() (*xt.Ext, []byte) {
	return toPortsXt(d.fam, d.NATFlags, d.PortsSet, d.Ports, 0, xt.RedirectTarget, xt.Redirect6Target)
}
