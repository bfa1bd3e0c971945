// Package bench measures the nftables engine against the tools users have
// today (`nft -f`, `iptables-nft-restore`), each in a fresh network
// namespace; run with `make bench` (go test -run '^$' -bench . -benchtime 1x).
package bench
