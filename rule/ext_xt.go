package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtEncoder is an extension that has an xtables form: the registered xt
// extension (package rule/xt) and its info for this rule. Its xlate
// installs that form where no native statement is exact; tests use it to
// compare the bytes with iptables-nft's, including for an extension the
// kernel refuses in nftsync's tables.
type xtEncoder interface {
	xtInfo() (*xt.Ext, []byte)
}
