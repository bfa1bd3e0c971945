// Package xt holds the binary encodings of the xtables extensions that
// nftsync installs through the kernel's nft_compat expressions ("xt match
// owner", "xt target CONNMARK" in nft's listing), and the one registry that
// describes them.
//
// Where an iptables match or target has an exact native nftables form,
// package rule installs that form. Where it has none, rule installs the
// extension itself, as iptables-nft does: an expr.Match or expr.Target
// whose Info is the extension's struct xt_*_info, byte for byte in the
// kernel's uapi layout (linux/netfilter/xt_*.h, host byte order, padded to 8
// bytes as XT_ALIGN does). The kernel then runs the same code as iptables:
// the meaning is exact by construction.
//
// This package is the kernel ABI side and nothing else: it knows layouts,
// revisions, families and the hooks and tables the kernel accepts, not
// iptables' option syntax. Option parsing and the canonical arguments of an
// extension stay in package rule (rule/match_NAME.go or target_NAME.go),
// next to the native translation; that file calls this package for the
// bytes. It is a separate package so that rule's files describe the
// iptables language and these describe the kernel's, and so that the nft
// engine and tests can decode what the kernel dumps without importing the
// parser.
//
// # Adding an extension
//
// One file per extension here, named after it in lower case (owner.go,
// tproxy.go; connmark_target.go when a match and a target share a name):
//
//   - a Go struct mirroring the uapi struct, with Marshal returning exactly
//     Ext.Size bytes through the enc helpers (fields at their C offsets,
//     host byte order unless the header says __be; kernel-private fields
//     such as pointers left zero, which is what the kernel dumps back),
//     and a Decode function;
//   - a package variable registering it:
//     var OwnerMatch = register(&Ext{Kind: Match, Name: "owner", Rev: 1, ...})
//     with the revision iptables 1.8.9 uses (iptables-nft -A ... then a
//     raw dump tells), the families, the hooks of the kernel's .hooks and
//     the table its .table or checkentry demands by name.
//
// In package rule, the extension's file (rule/match_NAME.go or
// target_NAME.go; a separate NAME_xt.go beside an existing file that
// others edit) gets:
//
//   - xtInfo() (*xt.Ext, []byte), the xtEncoder interface (rule/ext_xt.go);
//   - in xlate, x.addXt(text, meaning, ext, info) where no native statement
//     is exact: text is what iptables-translate prints (translate keeps
//     printing it, with a warning naming the xt extension), or
//     x.addXtOnly(why, ext, info) when iptables-translate has no text;
//   - for a new module, parse/finish/args in iptables' own terms: args()
//     must be what iptables-save prints, and parsing it back must give the
//     same info bytes (TestXtCanonicalRoundTrip);
//   - hooks() xt.Hooks when the allowed hooks depend on the options
//     (policy --dir); static ones come from Ext.Hooks (rule.CheckHooks,
//     called by firewall.Validate for the hooks a chain is reached from).
//
// Then add cases to rule/kernel_xt_test.go (the bytes must equal those
// iptables-nft writes for the rule, as written and in iptables-save form,
// and iptables-nft-save must print nftsync's installed rule as the rule)
// and a rule to nft/xt_test.go (apply, forced dump, fresh backend: no
// change, same handles, Read returns the rule).
//
// # What the kernel checks
//
// nft_compat runs the extension's checkentry when the rule is added, with
// par->table set to the nftables table's name: an extension whose kernel
// registration names a table (TPROXY and TOS targets: "mangle", rpfilter:
// "raw" or "mangle", NAT targets: "nat") is refused in nftsync's tables,
// which are named OWNER-TABLE. Ext.Table records that; Ext.Installable
// refuses such an extension before anything is applied, and translate
// still prints the rule's text with a warning.
//
// For a rule with an xt statement and -p, the engine sends
// NFTA_RULE_COMPAT (protocol and negation, nft/cache.go ruleCompat) as
// iptables-nft does: nft_compat hands it to the extensions' checkentry as
// par->entryinfo, where tcpmss, multiport, TPROXY or SYNPROXY require
// their protocol. None of the extensions here reads it yet, so the
// kernel proof that it arrives is for the first one that does.
//
// On a dump the kernel returns NFTA_MATCH_INFO/NFTA_TARGET_INFO of the
// same length, with its private fields (limit's, hashlimit's, connlimit's
// pointers) zeroed: an extension encoded with those fields zero reads back
// byte-identical, which is how the engine recognises its rules.
package xt
