// Package rule parses iptables rule arguments into typed rules and translates
// them into native nftables.
//
// A rule is what a caller passes after the chain name to iptables, for
// example `-s 10.4.0.0/16 -m comment --comment "Kilo: jump" -j KILO-NAT`.
// Parse turns it into a *Rule whose Key is canonical: specs that differ only
// in flag order, implied module loading, address spelling or protocol and
// service names have the same Key, so Equal compares meaning, not text.
// Arguments iptables makes several rules of (-s a,b -d c,d) are parsed by
// ParseRules, one rule per address pair in iptables' order.
//
// Every extension (match or target) lives in one file, as in iptables
// itself: its options, its canonical form and its translation. A translation
// yields both the text that iptables-translate prints and the exact
// google/nftables expressions that nft would build from that text, statement
// by statement, so the two cannot drift apart.
package rule
