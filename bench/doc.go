// Package bench measures the nftables engine against the tools users have
// today (`nft -f`, `nft insert rule`, `iptables-nft-restore`, knftables,
// go-iptables as Kilo's 2021 controller drives it), each in a fresh
// network namespace; run with `make bench` (go test -run '^$' -bench .
// -benchtime 1x in this directory). It is a module of its own, so that
// the peers it measures are no dependencies of the library.
// NFTSYNC_BENCH_1M=1 adds the controller's rows and `nft -f` at a million
// rules (some minutes more).
package bench
