package nft

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// BenchmarkLongRules compares a cold apply, and a forced dump and Read, of
// 2000 rules whose spec fits the userdata with the same rules with a
// 255-byte comment (the same expressions, and two pieces), 2000 of 296
// bytes and 2000 of over 600 bytes. It reports the pieces and the bytes
// per rule of the batch (netlink), and the milliseconds per phase.
func BenchmarkLongRules(b *testing.B) {
	const n = 2000
	kinds := []struct {
		name string
		spec func(i int) string
	}{
		{"short", func(i int) string {
			return fmt.Sprintf(`-s 10.1.%d.%d/32 -p tcp --dport 22 -m comment --comment "rule %d" -j ACCEPT`, i>>8&255, i&255, i)
		}},
		{"short+255comment", func(i int) string {
			return fmt.Sprintf(`-s 10.1.%d.%d/32 -p tcp --dport 22 -m comment --comment "%s" -j ACCEPT`, i>>8&255, i&255, strings.Repeat("c", 255))
		}},
		{"296", func(i int) string {
			return fmt.Sprintf(`-s 10.1.%d.%d/32 -d 10.200.200.200/32 -i interface0123 -o interface4567 -p tcp --dport 22 -m comment --comment "%s" -j LOG --log-prefix "long-rule-prefix-for-tests: "`,
				i>>8&255, i&255, strings.Repeat("c", 128))
		}},
		{"600", func(i int) string {
			return fmt.Sprintf(`-s 10.1.%d.%d/32 -d 172.16.200.0/24 -i ifname-numero-1 -o ifname-numero-2 -p tcp --sport %d -m mac --mac-source 00:11:22:33:44:55 `+
				`-m conntrack --ctstate NEW,RELATED,ESTABLISHED -m mark --mark 0x1/0xff -m ttl --ttl-gt 5 -m pkttype --pkt-type unicast -m length --length 100:1500 `+
				`-m comment --comment "%s" -j LOG --log-prefix "a-29-character-log-prefix-xx"`,
				i>>8&255, i&255, 1000+i, strings.Repeat("f", 255))
		}},
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			c := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "FORWARD"}
			specLen, pieces := 0, 0
			for i := range n {
				r, err := rule.ParseString(rule.IPv4, k.spec(i))
				if err != nil {
					b.Fatal(err)
				}
				specLen += len(r.String())
				tr, err := r.TranslateExprs()
				if err != nil {
					b.Fatal(err)
				}
				_, p, err := storeRule(r, tr)
				if err != nil {
					b.Fatal(err)
				}
				pieces += len(p)
				c.Rules = append(c.Rules, firewall.Rule{Spec: r})
			}
			rs := &firewall.Ruleset{Chains: []*firewall.Chain{c}}
			var apply, read float64
			var size int
			for range b.N {
				ns := netnstest.New(b)
				be, _ := newBackend(b, ns)
				d, err := compile("o", rs, newRuleCache())
				if err != nil {
					b.Fatal(err)
				}
				pl, err := makePlan(d, &actual{tables: map[tableID]*haveTable{}})
				if err != nil {
					b.Fatal(err)
				}
				size = pl.batch.size
				t0 := time.Now()
				if _, err := be.Apply(context.Background(), rs); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				fresh, _ := newBackend(b, ns)
				if _, err := fresh.Read(context.Background()); err != nil {
					b.Fatal(err)
				}
				apply += ms(t1.Sub(t0))
				read += ms(time.Since(t1))
			}
			b.ReportMetric(float64(specLen)/n, "spec-B/rule")
			b.ReportMetric(float64(pieces)/n, "pieces/rule")
			b.ReportMetric(float64(size)/n, "batch-B/rule")
			b.ReportMetric(apply/float64(b.N), "apply-ms")
			b.ReportMetric(read/float64(b.N), "read-ms")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
