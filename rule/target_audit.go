package rule

import (
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Audit is -j AUDIT: write an audit record (AUDIT_NETFILTER_PKT) for the
// packet and continue.
//
// Since Linux 4.12 xt_AUDIT only checks --type and logs the same record as
// nft's "log level audit" (mark and the addresses of the packet): the type
// is no longer part of the record, so "log level audit" keeps the rule's
// meaning for every --type.
type Audit struct {
	Type string // accept, drop or reject
}

// auditTypes are the --type values, as iptables-save prints them.
var auditTypes = map[string]bool{"accept": true, "drop": true, "reject": true}

func newAudit(*Rule) (Target, error) { return &Audit{}, nil }

// Name returns "AUDIT".
func (a *Audit) Name() string { return "AUDIT" }

func (a *Audit) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--type" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, a.Type != "")
	if err != nil {
		return true, err
	}
	if !auditTypes[v] {
		return true, argError(v, "bad --type (accept, drop or reject)")
	}
	a.Type = v
	return true, nil
}

func (a *Audit) finish(*Rule) error {
	if a.Type == "" {
		return argError("-j AUDIT", "needs --type")
	}
	return nil
}

func (a *Audit) args() []string { return []string{"--type", a.Type} }

func (a *Audit) xlate(x *xlator) error {
	x.add("log level audit", &expr.Log{Key: 1 << unix.NFTA_LOG_LEVEL, Level: expr.LogLevelAudit})
	return nil
}
