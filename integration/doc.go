// Package integration tests the controller end to end on a real kernel:
// real packets through a client – router – server topology of network
// namespaces, drift injected with nft and iptables, foreign state left
// alone, bad input refused atomically, and CleanUp; every scenario runs for
// both backends (nftables over netlink, iptables through its binaries).
// It holds tests only; they need root and skip without it.
package integration
