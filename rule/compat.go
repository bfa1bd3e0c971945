package rule

import "fmt"

// CompatProto returns the protocol that nft_compat must be told of
// (NFTA_RULE_COMPAT) when the rule runs an xtables extension: the kernel
// hands it to the extension's checkentry as the rule's -p, and refuses an
// extension bound to a protocol (tcpmss to TCP, ...) without it, as
// iptables-nft sends it. ok is false when the rule has no -p.
func (r *Rule) CompatProto() (proto uint8, invert, ok bool) {
	if !r.Proto.Set || r.Proto.Num == 0 {
		return 0, false, false
	}
	return r.Proto.Num, r.Proto.Invert, true
}

// protoBound is a match whose kernel extension is bound to one protocol
// (its xt_match .proto: tcpmss to TCP, ...); boundProto is 0 when the
// rule does not install that extension.
type protoBound interface {
	boundProto() uint8
}

// checkProtos refuses a rule with a match bound to a protocol that the
// rule's -p does not name. It runs with CheckHooks, before anything is
// applied, not when the rule is parsed: iptables-translate translates such
// a rule, only the kernel refuses it.
func (r *Rule) checkProtos() error {
	for _, m := range r.Matches {
		if b, ok := m.(protoBound); ok && b.boundProto() != 0 {
			if err := needProto(r, m.Name(), b.boundProto()); err != nil {
				return err
			}
		}
	}
	return nil
}

// needProto refuses an extension bound to one protocol (the kernel's
// xt_match .proto) in a rule without "-p" that protocol, as the kernel
// refuses it when iptables adds the rule.
func needProto(r *Rule, ext string, proto uint8) error {
	if !r.Proto.Set || r.Proto.Num != proto || r.Proto.Invert {
		return argError("-m "+ext, "%s", fmt.Sprintf("is valid only in a rule with -p %s", protoName(proto)))
	}
	return nil
}
