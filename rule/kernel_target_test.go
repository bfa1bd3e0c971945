package rule

import (
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// targetOracleCases cover every statement form the target extensions
// produce (except NFQUEUE: kernels without nft_queue refuse it): nft builds each from our text, we install our expressions, and
// the kernel must return the same for both.
var targetOracleCases = []OracleCase{
	{IPv4, `-p tcp --dport 22 -j REJECT`},
	{IPv4, `-p tcp -j REJECT --reject-with tcp-reset`},
	{IPv4, `-p tcp --dport 22 -j REJECT --reject-with tcp-reset`},
	{IPv4, `-j REJECT --reject-with icmp-net-unreachable`},
	{IPv4, `-j REJECT --reject-with icmp-host-unreachable`},
	{IPv4, `-j REJECT --reject-with icmp-proto-unreachable`},
	{IPv4, `-j REJECT --reject-with icmp-net-prohibited`},
	{IPv4, `-j REJECT --reject-with icmp-host-prohibited`},
	{IPv4, `-j REJECT --reject-with icmp-admin-prohibited`},
	{IPv6, `-j REJECT`},
	{IPv6, `-p tcp -j REJECT --reject-with tcp-reset`},
	{IPv6, `-j REJECT --reject-with icmp6-no-route`},
	{IPv6, `-j REJECT --reject-with icmp6-adm-prohibited`},
	{IPv6, `-j REJECT --reject-with icmp6-addr-unreachable`},
	{IPv6, `-j REJECT --reject-with icmp6-policy-fail`},
	{IPv6, `-j REJECT --reject-with icmp6-reject-route`},
	{IPv4, `-j LOG`},
	{IPv4, `-j LOG --log-level 4 --log-prefix "Random prefix"`},
	{IPv4, `-j LOG --log-level error`},
	{IPv4, `-j LOG --log-level 7 --log-prefix "x: %d" --log-tcp-sequence --log-tcp-options`},
	{IPv4, `-j LOG --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode`},
	{IPv4, `-j LOG --log-ip-options --log-uid`},
	{IPv6, `-j LOG --log-tcp-options --log-macdecode --log-level emerg`},
	{IPv4, `-j NFLOG`},
	{IPv4, `-j NFLOG --nflog-group 32 --nflog-prefix "Prefix 1.0"`},
	{IPv4, `-j NFLOG --nflog-threshold 25 --nflog-size 256`},
	{IPv6, `-j NFLOG --nflog-size 0 --nflog-group 65535`},
	{IPv4, `-j MASQUERADE`},
	{IPv4, `-p tcp -j MASQUERADE --random`},
	{IPv6, `-j MASQUERADE --random-fully --random`},
	{IPv4, `-o eth0 -j SNAT --to-source 1.2.3.4`},
	{IPv4, `-j SNAT --to-source 1.2.3.4-1.2.3.6 --persistent`},
	{IPv4, `-p tcp -j SNAT --to-source 1.2.3.4:1-1023 --random`},
	{IPv4, `-p udp -j SNAT --to-source 1.2.3.4-1.2.3.6:53 --random-fully --persistent`},
	{IPv6, `-p tcp -j SNAT --to-source [fec0::1234]:80`},
	{IPv6, `-j SNAT --to-source fec0::1234-fec0::2000 --random`},
	{IPv4, `-p tcp -d 15.45.23.67 --dport 80 -j DNAT --to-destination 192.168.1.1-192.168.1.10`},
	{IPv4, `-p tcp -j DNAT --to-destination :8080`},
	{IPv4, `-p sctp -j DNAT --to-destination 10.0.0.1:80-90 --random --persistent`},
	{IPv6, `-p tcp --dport 8080 -j DNAT --to-destination fec0::1234`},
	{IPv6, `-p tcp -j DNAT --to-destination [fec0::1234]:1-20`},
	{IPv4, `-p tcp --dport 80 -j REDIRECT`},
	{IPv4, `-p tcp --dport 80 -j REDIRECT --to-ports 0`},
	{IPv4, `-p tcp -j REDIRECT --to-ports 10-22 --random`},
	{IPv4, `-j REDIRECT --random`},
	{IPv6, `-p udp -j REDIRECT --to-ports 8080`},
	{IPv4, `-j MARK --set-mark 0`},
	{IPv4, `-j MARK --set-mark 64`},
	{IPv4, `-j MARK --set-xmark 0x40/0x32`},
	{IPv4, `-j MARK --or-mark 64`},
	{IPv4, `-j MARK --and-mark 64`},
	{IPv6, `-j MARK --xor-mark 0xffff0000`},
	{IPv4, `-j CONNMARK --set-mark 0x16`},
	{IPv4, `-j CONNMARK --and-mark 0x16`},
	{IPv4, `-j CONNMARK --or-mark 0x16`},
	{IPv4, `-j CONNMARK --xor-mark 0x16`},
	{IPv4, `-j CONNMARK --save-mark`},
	{IPv6, `-j CONNMARK --restore-mark`},
	{IPv4, `-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu`},
	{IPv4, `-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 90`},
	{IPv4, `-p tcp -j TCPMSS --set-mss 1400`},
	{IPv6, `-p tcp -j TCPMSS --clamp-mss-to-pmtu`},
	{IPv4, `-j MARK --set-xmark 0/0`},
	{IPv4, `-j MARK --set-mark 0xffffffff`},
	{IPv6, `-j DNAT --to-destination [fec0::1]`},
	{IPv4, `-p dccp -j SNAT --to-source 10.0.0.1:1024-65535`},
	{IPv4, `-p tcp --syn -j TCPMSS --set-mss 1400`},
	{IPv4, `-j TRACE`},
	{IPv4, `-j CLASSIFY --set-class 0:0`},
	{IPv4, `-j CLASSIFY --set-class ffff:ffff`},
	{IPv6, `-j CLASSIFY --set-class 1:234`},
	{IPv4, `-j DSCP --set-dscp 1`},
	{IPv4, `-j DSCP --set-dscp-class EF`},
	{IPv6, `-j DSCP --set-dscp 6`},
	{IPv6, `-j DSCP --set-dscp 63`},
	{IPv4, `-j NOTRACK`},
	{IPv6, `-j CT --notrack`},
	// Masquerade ports: self-marshalled (MasqPorts), installed raw.
	{IPv4, `-p tcp -j MASQUERADE --to-ports 10`},
	{IPv6, `-p tcp -j MASQUERADE --to-ports 10-20 --random`},
	{IPv4, `-p udp -j MASQUERADE --to-ports 1024-65535 --random-fully --random`},
	{IPv6, `-p sctp -j MASQUERADE --to-ports 1-65535 --random-fully`},
	// CONNMARK forms iptables-translate prints with another meaning: nft
	// builds from the exact text.
	{IPv4, `-j CONNMARK --set-xmark 0x16/0x12`},
	{IPv6, `-j CONNMARK --set-mark 0x12/0x16`},
	{IPv4, `-j CONNMARK --set-mark 0x23/0x42 --right-shift-mark 5`},
	{IPv4, `-j CONNMARK --set-xmark 0x16/0x12 --left-shift-mark 3`},
	{IPv4, `-j CONNMARK --and-mark 0x16 --right-shift-mark 2`},
	{IPv4, `-j CONNMARK --or-mark 0x16 --left-shift-mark 2`},
	{IPv4, `-j CONNMARK --xor-mark 0x16 --left-shift-mark 31`},
	{IPv4, `-j CONNMARK --set-mark 0x16 --right-shift-mark 1`},
	{IPv4, `-j CONNMARK --set-mark 0x40000016 --left-shift-mark 3`},
	{IPv4, `-j CONNMARK --save-mark --right-shift-mark 5`},
	{IPv6, `-j CONNMARK --restore-mark --left-shift-mark 5`},
	// IPv6 address ranges with ports: iptables-translate's text does not
	// parse in nft 1.0.6, nft's own form does.
	{IPv6, `-p tcp -j DNAT --to-destination [fec0::1234-fec0::2000]:1-20`},
	{IPv6, `-p udp -j DNAT --to-destination [fec0::1-fec0::5]:80 --random --persistent`},
	{IPv6, `-p tcp -j SNAT --to-source [fec0::1-fec0::5]:1024-2048 --random-fully`},
}

func TestKernelTargetsMatchNft(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	runOracle(t, ns, targetOracleCases)
}
