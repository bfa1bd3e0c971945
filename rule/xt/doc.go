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
// One file per extension, named after it in lower case (owner.go,
// tproxy.go, connmark_target.go when a match and a target share a name):
//
//   - a Go struct mirroring the uapi struct, with Marshal (returning
//     exactly Ext.Size bytes; kernel-private fields such as pointers are
//     left zero, which is what the kernel dumps back) and a Decode function
//     (for tests and for reading dumps);
//   - a package variable registering the extension:
//     var OwnerMatch = register(&Ext{Kind: Match, Name: "owner", Rev: 1, ...}),
//     with the revision iptables 1.8.9 uses, the families, the hooks the
//     kernel's xt_match/xt_target .hooks allows and the .table it demands;
//   - a test in xt_test.go style checking Size against the uapi struct.
//
// Then, in package rule, the extension's xlate calls x.addXt (see
// rule/xlate.go) with the text iptables-translate prints and the reason the
// native form is not exact, and rule/kernel_xt_test.go gets a case proving
// the bytes equal those iptables-nft writes for the same rule.
//
// # What the kernel checks
//
// nft_compat runs the extension's checkentry when the rule is added, with
// par->table set to the nftables table's name: an extension whose kernel
// registration names a table (TPROXY and TOS/DSCP targets: "mangle",
// rpfilter: "raw" or "mangle", NAT targets: "nat") is refused in nftsync's
// tables, which are named OWNER-TABLE. Ext.Table records that, and
// Ext.Installable refuses such an extension before anything is applied.
// The hooks are checked for the base chain a rule's chain is reached from
// (Ext.Hooks; rule.Rule.CheckHooks), as iptables does.
//
// On a dump the kernel returns NFTA_MATCH_INFO/NFTA_TARGET_INFO of the
// same length, with its private fields (limit's, hashlimit's, connlimit's
// pointers) zeroed: an extension encoded with those fields zero reads back
// byte-identical, which is how the engine recognises its rules.
package xt
