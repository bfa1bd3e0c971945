package nft

import (
	"bytes"
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// placedSpecs are rules placed in iptables' filter table whose bytes must
// be iptables-nft's own: header matches of every shape iptables-nft
// encodes (byte-aligned and partial prefixes, negations, interface names
// and wildcards, protocols, fragments), comments, verdicts and jumps.
var placedSpecs = map[rule.Family][]string{
	rule.IPv4: {
		`-s 10.4.0.0/16 -m comment --comment "Kilo: forward packets from the pod subnet" -j ACCEPT`,
		`-d 10.4.0.0/16 -m comment --comment "Kilo: forward packets to the pod subnet" -j ACCEPT`,
		`-s 10.4.0.0/20 -j ACCEPT`,
		`-s 10.4.0.0/20 -m comment --comment "the same rule, another comment" -j ACCEPT`,
		`-s 10.4.0.0/20 -m comment --comment "and a third" -j ACCEPT`,
		`-s 10.4.1.1/32 -d 192.168.0.0/255.255.0.255 -j DROP`,
		`! -d 10.4.0.1/32 -i eth+ -o wg0 -j DROP`,
		`! -s 10.0.0.0/8 ! -i lo -j RETURN`,
		`-p ipencap -m comment --comment "Kilo: jump to IPIP chain" -j PLACED`,
		`! -p udp -g PLACED`,
		`-f -j DROP`,
		`! -f -p tcp`,
		`-o lo`,
		`-p all -s 10.9.0.0/16 -j ACCEPT`,
		`-p tcp --dport 22 -j ACCEPT`,
		`-p tcp --sport 1000:2000 -j ACCEPT`,
		`-p tcp --sport 5 --dport 6 -j ACCEPT`,
		`-p udp ! --dport 53 -j ACCEPT`,
		`-p udp ! --dport 50:60 -j ACCEPT`,
		`-p udp --sport 7 ! --dport 8 -j ACCEPT`,
		`-p tcp --sport 1:3 --dport 9 -j ACCEPT`,
		`-p tcp --dport 1: -j ACCEPT`,
		`-p tcp --dport 22 --syn -j ACCEPT`,
		`-p tcp ! --tcp-flags SYN,ACK SYN -j ACCEPT`,
		`-p tcp --tcp-flags ALL NONE -j DROP`,
		`-p tcp --sport 1:2 --dport 3 --tcp-flags FIN,RST FIN -j DROP`,
		// xt tcp, as iptables-nft writes an option or a full port range.
		`-p tcp --tcp-option 5 -j ACCEPT`,
		`-p tcp --dport 0:65535 -j ACCEPT`,
		`-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
		`-m conntrack ! --ctstate INVALID,UNTRACKED,SNAT -j ACCEPT`,
		`-m conntrack --ctstate DNAT ! --ctstatus ASSURED,SEEN_REPLY -j ACCEPT`,
		`-m state --state NEW -j ACCEPT`,
		`-m state ! --state INVALID,UNTRACKED -j DROP`,
		`-p tcp -m multiport --dports 22,80:90,443 -j ACCEPT`,
		`-p udp -m multiport ! --sports 53 -j ACCEPT`,
		`-p tcp -m multiport --ports 1:2,3:4,5 -j ACCEPT`,
		`-m mark --mark 0x1 -j ACCEPT`,
		`-m mark ! --mark 0x1/0x3 -j ACCEPT`,
		`-j LOG`,
		`-p icmp --icmp-type any -j ACCEPT`,
		`-p icmp ! --icmp-type 3/4 -j ACCEPT`,
		`-p icmp --icmp-type echo-request -j ACCEPT`,
		`-m limit --limit 3/hour -j ACCEPT`,
		`-m limit --limit 7/min --limit-burst 9 -j ACCEPT`,
		`-m limit --limit 5/s -j ACCEPT`,
		`-m limit --limit 2/day -j ACCEPT`,
		`-m limit -j ACCEPT`,
		`-j LOG --log-prefix "Kilo: dropped " --log-level 6 --log-uid --log-tcp-options`,
		`-j REJECT`,
		`-p tcp -j REJECT --reject-with tcp-reset`,
		`-j REJECT --reject-with icmp-admin-prohibited`,
		`-p udp -s 10.0.0.0/8 --dport 51820 -m comment --comment wg -j ACCEPT`,
	},
	rule.IPv6: {
		`-s fd00::/64 -d fd00:1::/60 -j ACCEPT`,
		`! -s fd00::1/128 -p ipv6-icmp -m comment --comment x -j DROP`,
		`-i wg+ -j PLACED`,
		`-p udp --dport 51820 -j ACCEPT`,
		`-p tcp --sport 80 --dport 8080 -j DROP`,
		`-m conntrack --ctstate ESTABLISHED --ctstatus CONFIRMED -j ACCEPT`,
		`-p tcp -m multiport --dports 80,443 -j REJECT --reject-with tcp-reset`,
		`-j REJECT`,
		`-j REJECT --reject-with icmp6-adm-prohibited`,
		`-j LOG --log-prefix "v6 "`,
		`-p ipv6-icmp --icmpv6-type echo-request -j ACCEPT`,
		`-p ipv6-icmp ! --icmpv6-type 1/3 -j ACCEPT`,
		`-s 2001:db8:1234:5678:9abc:def0:1234:5678/128 -d 2001:db8:1234:5678:9abc:def0:1234:5679/128 -i wireguard0 -o wireguard1 -p udp --sport 1:2 --dport 3:4 -m conntrack ! --ctstate NEW -m comment --comment "` + strings.Repeat("long comment ", 9) + `" -j ACCEPT`,
	},
}

func placedRuleset(t *testing.T) *firewall.Ruleset {
	rs := &firewall.Ruleset{}
	for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
		fwd := chain(t, fam, "filter", "FORWARD", "", placedSpecs[fam]...)
		// Prepended, as Kilo prepends its FORWARD accepts: ahead of
		// foreign rules.
		fwd.Head = len(fwd.Rules)
		rs.Chains = append(rs.Chains, chain(t, fam, "filter", "PLACED", ""), fwd)
	}
	return rs
}

// placedElems dumps the expressions of every rule in the placed tables, by
// family and chain.
func placedElems(t *testing.T, b *Backend) map[string][][][]byte {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	ids, _ := b.placedRead(nil)
	ph, err := b.readPlaced(nil, ids, true)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][][]byte{}
	for id, ht := range ph.tables {
		for _, hc := range ht.chains {
			for _, hr := range hc.rules {
				k := id.Fam.String() + " " + hc.name
				out[k] = append(out[k], hr.elems)
			}
		}
	}
	return out
}

// placedNATSpecs are rules placed in iptables' nat POSTROUTING.
var placedNATSpecs = map[rule.Family][]string{
	rule.IPv4: {
		`-m comment --comment "Kilo: NAT remaining packets" -j MASQUERADE`,
		`-p tcp -j MASQUERADE --to-ports 1000-2000 --random`,
		`-s 10.4.0.0/16 -j MASQUERADE --random-fully`,
		`-j SNAT --to-source 1.2.3.4`,
		`-p tcp -j SNAT --to-source 1.2.3.4-1.2.3.9:1000-2000 --random --persistent`,
		`-p udp -o eth0 -j SNAT --to-source 5.6.7.8:53 --random-fully`,
	},
	rule.IPv6: {
		`-j MASQUERADE`,
		`-p udp -j MASQUERADE --to-ports 5`,
		`-j SNAT --to-source fd00::1-fd00::5 --persistent`,
		`-p tcp -j SNAT --to-source [fd00::1]:80`,
	},
}

// placedMangleSpecs and placedOutputSpecs are rules with extensions whose
// xtables form package rule encodes (rule.XtForm), some of which the
// kernel loads only in a table named mangle.
var (
	placedDNATSpecs = map[rule.Family][]string{
		rule.IPv4: {
			`-j DNAT --to-destination 1.2.3.4`,
			`-p tcp -d 10.0.0.1/32 --dport 80 -j DNAT --to-destination 1.2.3.4:8080`,
			`-p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.5:100-200 --random --persistent`,
			`-p tcp -j DNAT --to-destination :8080`,
			`-j REDIRECT`,
			`-p tcp -j REDIRECT --to-ports 8080`,
			`-p udp -j REDIRECT --to-ports 53-60 --random`,
		},
		rule.IPv6: {
			`-p tcp -j DNAT --to-destination [fd00::1]:80`,
			`-j DNAT --to-destination fd00::1-fd00::2`,
			`-p tcp -j REDIRECT --to-ports 8080`,
		},
	}
	placedMangleSpecs = map[rule.Family][]string{
		rule.IPv4: {
			`-p tcp -m comment --comment "transparent proxy" -j TPROXY --on-port 8080 --on-ip 127.0.0.1 --tproxy-mark 0x1/0x1`,
			`-m cluster --cluster-total-nodes 7 ! --cluster-local-nodemask 9 --cluster-hash-seed 1 -j ACCEPT`,
			`-m connbytes ! --connbytes 500 --connbytes-mode bytes --connbytes-dir both -j ACCEPT`,
			`-j MARK --set-mark 5`,
			`-i eth0 -j MARK --set-xmark 0x1/0xff`,
			`-j MARK --and-mark 0xf0`,
			`-j MARK --or-mark 0x4`,
			`-j MARK --xor-mark 0x3`,
			`-m mark --mark 0x4/0x4 -j MARK --set-mark 0x10/0x10`,
		},
		rule.IPv6: {
			`-p udp -j TPROXY --on-port 53 --on-ip ::1`,
			`-j MARK --set-mark 0x2`,
		},
	}
	// raw: the targets automatic placement puts there (-j NOTRACK is
	// libxt_CT's alias, CT revision 2 with XT_CT_NOTRACK_ALIAS).
	placedRawSpecs = map[rule.Family][]string{
		rule.IPv4: {
			`-j NOTRACK`,
			`-p udp -j CT --notrack`,
			`-p tcp -j CT --zone 7`,
			`-j TRACE`,
		},
		rule.IPv6: {
			`-j NOTRACK`,
		},
	}
	// mangle POSTROUTING: targets CLASSIFY takes only from there.
	placedPostSpecs = map[rule.Family][]string{
		rule.IPv4: {
			`-j DSCP --set-dscp 0x0a`,
			`-j CLASSIFY --set-class 0001:0002`,
			`-j AUDIT --type drop`,
			`-j AUDIT --type reject`,
		},
		rule.IPv6: {
			`-j DSCP --set-dscp 0x2e`,
			`-j CLASSIFY --set-class ffff:ffff`,
			`-j AUDIT --type accept`,
		},
	}
	placedOutputSpecs = map[rule.Family][]string{
		rule.IPv4: {
			`-m owner ! --uid-owner 5 -j ACCEPT`,
			`-p tcp -m connlimit --connlimit-above 20 --connlimit-mask 24 -j REJECT`,
		},
		rule.IPv6: {
			`-m owner --uid-owner 3 ! --gid-owner 4-9 -j DROP`,
		},
	}
)

// TestPlacementBytesAreIptablesNfts installs each rule with iptables-nft
// -A and with nftsync's placement, and compares the dumped expressions
// byte for byte.
func TestPlacementBytesAreIptablesNfts(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	nat, dnat, mangle, out, raw, post := &firewall.Ruleset{}, &firewall.Ruleset{}, &firewall.Ruleset{}, &firewall.Ruleset{}, &firewall.Ruleset{}, &firewall.Ruleset{}
	for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
		dnat.Chains = append(dnat.Chains, chain(t, fam, "nat", "PREROUTING", "", placedDNATSpecs[fam]...))
		nat.Chains = append(nat.Chains, chain(t, fam, "nat", "POSTROUTING", "", placedNATSpecs[fam]...))
		mangle.Chains = append(mangle.Chains, chain(t, fam, "mangle", "PREROUTING", "", placedMangleSpecs[fam]...))
		out.Chains = append(out.Chains, chain(t, fam, "filter", "OUTPUT", "", placedOutputSpecs[fam]...))
		raw.Chains = append(raw.Chains, chain(t, fam, "raw", "PREROUTING", "", placedRawSpecs[fam]...))
		post.Chains = append(post.Chains, chain(t, fam, "mangle", "POSTROUTING", "", placedPostSpecs[fam]...))
	}
	for _, tc := range []struct {
		table, chain string
		rs           *firewall.Ruleset
		specs        map[rule.Family][]string
	}{
		{"filter", "FORWARD", placedRuleset(t), placedSpecs},
		{"nat", "POSTROUTING", nat, placedNATSpecs},
		{"nat", "PREROUTING", dnat, placedDNATSpecs},
		{"mangle", "PREROUTING", mangle, placedMangleSpecs},
		{"filter", "OUTPUT", out, placedOutputSpecs},
		{"raw", "PREROUTING", raw, placedRawSpecs},
		{"mangle", "POSTROUTING", post, placedPostSpecs},
	} {
		t.Run(tc.table+"-"+tc.chain, func(t *testing.T) {
			ns := netnstest.New(t)
			b, _ := newBackend(t, ns, WithPlacement(tc.table))
			for _, c := range tc.rs.Chains {
				tool := "iptables-nft"
				if c.Family == rule.IPv6 {
					tool = "ip6tables-nft"
				}
				if !c.Builtin() {
					ns.Exec(tool, "-t", tc.table, "-N", c.Name)
				}
				for _, r := range c.Rules {
					ns.Exec(tool, append([]string{"-t", tc.table, "-A", c.Name}, r.Spec.Args()...)...)
				}
			}
			theirs := placedElems(t, b)
			for _, tool := range []string{"iptables-nft", "ip6tables-nft"} {
				ns.Exec(tool, "-t", tc.table, "-F")
				ns.Exec(tool, "-t", tc.table, "-X")
			}
			apply(t, b, tc.rs)
			// Another process reads the rules back as the same.
			fresh, _ := newBackend(t, ns, WithPlacement(tc.table))
			if p, err := fresh.Plan(context.Background(), tc.rs); err != nil || !p.Empty() {
				t.Errorf("a fresh backend plans %v %v", p, err)
			}
			ours := placedElems(t, b)
			for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
				k := fam.String() + " " + tc.chain
				if len(ours[k]) != len(tc.specs[fam]) || len(theirs[k]) != len(ours[k]) {
					t.Fatalf("%s: %d rules placed, %d written by iptables-nft, want %d", k, len(ours[k]), len(theirs[k]), len(tc.specs[fam]))
				}
				for i, spec := range tc.specs[fam] {
					a, w := ours[k][i], theirs[k][i]
					if len(a) != len(w) {
						t.Errorf("%s %s: %d expressions, iptables-nft writes %d", fam, spec, len(a), len(w))
						continue
					}
					for j := range a {
						if !bytes.Equal(a[j], w[j]) {
							t.Errorf("%s %s: expression %d is %x, iptables-nft writes %x", fam, spec, j, a[j], w[j])
						}
					}
				}
			}
			if out := save(t, ns); !strings.Contains(out, "-A "+tc.chain+" "+tc.specs[rule.IPv4][0]) {
				t.Errorf("iptables-nft-save:\n%s", out)
			}
		})
	}
}

// lastPlaced is the last of placedSpecs[rule.IPv4] as iptables-nft-save
// prints it.
const lastPlaced = "-A FORWARD -s 10.0.0.0/8 -p udp -m udp --dport 51820 -m comment --comment wg -j ACCEPT"

var saveDateRe = regexp.MustCompile(`(?m)^# (Generated|Completed) .*\n`)

// save returns iptables-nft-save and ip6tables-nft-save output without the
// date lines; it fails the test when iptables-nft finds a table it cannot
// read.
func save(t *testing.T, ns *netnstest.NS) string {
	t.Helper()
	out := ns.Exec("iptables-nft-save") + ns.Exec("ip6tables-nft-save")
	if strings.Contains(out, "incompatible") || strings.Contains(out, "nft tool") {
		t.Fatalf("iptables-nft-save cannot read the tables:\n%s", out)
	}
	return saveDateRe.ReplaceAllString(out, "")
}

// TestPlacementOwnership places rules next to foreign ones: foreign rules
// and policies stay, ours go to the head in order, iptables-nft-save reads
// everything as the declared rules, a second apply and a fresh backend
// keep every handle, Read returns exactly ours, a flushed chain is
// repaired and CleanUp restores iptables-nft-save exactly.
func TestPlacementOwnership(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	ns.Exec("iptables-nft", "-P", "FORWARD", "DROP")
	ns.Exec("iptables-nft", "-A", "FORWARD", "-j", "DROP")
	ns.Exec("iptables-nft", "-A", "INPUT", "-s", "1.2.3.4", "-j", "ACCEPT")
	before := save(t, ns)
	b, obs := newBackend(t, ns, WithPlacement("filter"))
	rs := placedRuleset(t)
	apply(t, b, rs)
	obs.Take()
	apply(t, b, rs)
	if got := obs.Take(); got["getgen"] != 1 || len(got) != 1 {
		t.Errorf("a no-op apply with placement did %v, want one generation check", got)
	}
	after := save(t, ns)
	for _, want := range []string{
		":FORWARD DROP",
		"-A FORWARD -s 10.4.0.0/16 -m comment --comment \"Kilo: forward packets from the pod subnet\" -j ACCEPT\n-A FORWARD -d 10.4.0.0/16",
		lastPlaced + "\n-A FORWARD -j DROP\n",
		"-A INPUT -s 1.2.3.4/32 -j ACCEPT",
		"-A FORWARD -s fd00::/64 -d fd00:1::/60 -j ACCEPT",
	} {
		if !strings.Contains(after, want) {
			t.Errorf("iptables-nft-save lacks %q:\n%s", want, after)
		}
	}
	listed := ns.Exec("nft", "-a", "list", "ruleset")
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("second apply: %s", p)
	}
	ns.NFT("add table ip unrelated")
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("apply after a dump: %s", p)
	}
	b.Close() // one writer per owner: the fresh backend takes over
	fresh, _ := newBackend(t, ns, WithPlacement("filter"))
	if p := apply(t, fresh, rs); !p.Empty() {
		t.Errorf("fresh backend: %s", p)
	}
	ns.NFT("delete table ip unrelated")
	if got := ns.Exec("nft", "-a", "list", "ruleset"); got != listed {
		t.Errorf("handles changed:\n%s\nwas\n%s", got, listed)
	}
	got, err := fresh.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p := apply(t, fresh, got); !p.Empty() {
		t.Errorf("what Read returns is not what was applied: %s", p)
	}
	if g, w := rulesetText(got), rulesetText(rs); g != w {
		t.Errorf("Read:\n%s\nwant\n%s", g, w)
	}

	ns.Exec("iptables-nft", "-F", "FORWARD")
	if p := apply(t, fresh, rs); p.Empty() {
		t.Error("a flushed FORWARD was not repaired")
	}
	if got := save(t, ns); !strings.Contains(got, lastPlaced+"\n:") && !strings.Contains(got, lastPlaced+"\nCOMMIT") {
		t.Errorf("after the repair:\n%s", got)
	}
	ns.Exec("iptables-nft", "-A", "FORWARD", "-j", "DROP")
	if err := fresh.CleanUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := save(t, ns); got != before {
		t.Errorf("CleanUp left iptables-nft-save\n%s\nwas\n%s", got, before)
	}
}

// rulesetText prints a ruleset's chains, sorted, and their rules in
// order.
func rulesetText(rs *firewall.Ruleset) string {
	var blocks []string
	for _, c := range rs.Chains {
		b := c.Family.String() + " " + c.Table + " " + c.Name + "\n"
		for _, r := range c.Rules {
			b += "  " + r.Spec.String() + "\n"
		}
		blocks = append(blocks, b)
	}
	sort.Strings(blocks)
	return strings.Join(blocks, "")
}

// TestPlacementRefuses checks that what cannot be placed exactly is
// refused before anything changes.
func TestPlacementRefuses(t *testing.T) {
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithPlacement("filter"))
	for _, c := range []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "FORWARD", "", `-p tcp -j TPROXY --on-port 1`),
		chain(t, rule.IPv4, "filter", "FORWARD", "DROP"),
	} {
		_, err := b.Apply(context.Background(), &firewall.Ruleset{Chains: []*firewall.Chain{c}})
		if err == nil {
			t.Errorf("%s %v: accepted", c.Name, c.Rules)
			continue
		}
		t.Logf("refused: %v", err)
	}
	if out := ns.Exec("nft", "list", "ruleset"); strings.TrimSpace(out) != "" {
		t.Errorf("a refused apply changed the ruleset:\n%s", out)
	}
}

// TestPlacementOrder checks where placed rules go among foreign ones: a
// fresh apply puts prepended rules at the head, a rule added at the end of the desired chain
// right after the owner's last rule, and a foreign rule inserted above
// them later is tolerated (nothing moves).
func TestPlacementOrder(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	ns.Exec("iptables-nft", "-A", "FORWARD", "-s", "1.1.1.1", "-j", "DROP")
	b, _ := newBackend(t, ns, WithPlacement("filter"))
	prepended := func(specs ...string) *firewall.Ruleset {
		c := chain(t, rule.IPv4, "filter", "FORWARD", "", specs...)
		c.Head = len(c.Rules)
		return &firewall.Ruleset{Chains: []*firewall.Chain{c}}
	}
	rs := prepended(`-s 10.1.0.0/16 -j ACCEPT`, `-d 10.1.0.0/16 -j ACCEPT`)
	apply(t, b, rs)
	rs2 := prepended(`-s 10.1.0.0/16 -j ACCEPT`, `-d 10.1.0.0/16 -j ACCEPT`, `-s 10.2.0.0/16 -j ACCEPT`)
	if p := apply(t, b, rs2); len(p.Changes) != 1 {
		t.Errorf("adding one rule: %s", p)
	}
	ns.Exec("iptables-nft", "-I", "FORWARD", "-s", "2.2.2.2", "-j", "DROP")
	if p := apply(t, b, rs2); !p.Empty() {
		t.Errorf("a foreign rule inserted above: %s", p)
	}
	want := "-A FORWARD -s 2.2.2.2/32 -j DROP\n-A FORWARD -s 10.1.0.0/16 -j ACCEPT\n-A FORWARD -d 10.1.0.0/16 -j ACCEPT\n-A FORWARD -s 10.2.0.0/16 -j ACCEPT\n-A FORWARD -s 1.1.1.1/32 -j DROP\n"
	if got := save(t, ns); !strings.Contains(got, want) {
		t.Errorf("iptables-nft-save:\n%s\nwant\n%s", got, want)
	}
}

// TestPlacementAppend: with the last rules of a chain appended (as Kilo's
// AddToAppend), they go after foreign rules and the prepended ones before;
// adding to either part keeps the rest where it is, a foreign rule
// appended later included; a fresh backend plans nothing.
func TestPlacementAppend(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	ns.Exec("iptables-nft", "-A", "INPUT", "-s", "1.1.1.1", "-j", "ACCEPT")
	ns.Exec("iptables-nft", "-A", "INPUT", "-s", "1.1.1.2", "-j", "ACCEPT")
	appended := func(n int) func(c *firewall.Chain) int {
		return func(c *firewall.Chain) int { return len(c.Rules) - n }
	}
	b, _ := newBackend(t, ns, WithPlacement("filter"))
	b.placedHead = appended(1)
	in := func(rules ...string) *firewall.Ruleset {
		return &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "INPUT", "", rules...)}}
	}
	apply(t, b, in(`-p ipencap -j ACCEPT`, `-p ipencap -j DROP`))
	ns.Exec("iptables-nft", "-A", "INPUT", "-s", "1.1.1.3", "-j", "ACCEPT")
	b.placedHead = appended(2)
	rs := in(`-s 10.0.0.0/8 -j ACCEPT`, `-p ipencap -j ACCEPT`, `-p tcp -j DROP`, `-p ipencap -j DROP`)
	if p := apply(t, b, rs); len(p.Changes) != 2 {
		t.Errorf("two rules added, changes: %s", p)
	}
	// The foreign rule appended after the owner's appended DROP stays
	// after it: the owner's rules keep their places, new ones go next to
	// them.
	want := "-A INPUT -s 10.0.0.0/8 -j ACCEPT\n-A INPUT -p ipencap -j ACCEPT\n-A INPUT -s 1.1.1.1/32 -j ACCEPT\n-A INPUT -s 1.1.1.2/32 -j ACCEPT\n-A INPUT -p tcp -j DROP\n-A INPUT -p ipencap -j DROP\n-A INPUT -s 1.1.1.3/32 -j ACCEPT\n"
	if got := save(t, ns); !strings.Contains(got, want) {
		t.Errorf("iptables-nft-save:\n%s\nwant\n%s", got, want)
	}
	b.Close() // one writer per owner: the fresh backend takes over
	fresh, _ := newBackend(t, ns, WithPlacement("filter"))
	fresh.placedHead = appended(2)
	if p := apply(t, fresh, rs); !p.Empty() {
		t.Errorf("fresh backend: %s", p)
	}
}

// TestPlacementCleanUpKeepsOthers: CleanUp deletes the table and chains
// nftsync created only when nothing of others is in them: a policy set on
// the created FORWARD, or a chain iptables-nft added to the table, stays.
func TestPlacementCleanUpKeepsOthers(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithPlacement("filter"))
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "FORWARD", "", `-s 10.1.0.0/16 -j ACCEPT`),
		chain(t, rule.IPv4, "filter", "INPUT", "", `-s 10.1.0.0/16 -j ACCEPT`),
	}}
	apply(t, b, rs)
	ns.Exec("iptables-nft", "-P", "FORWARD", "DROP")
	ns.Exec("iptables-nft", "-N", "DOCKER")
	if err := b.CleanUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := ns.Exec("nft", "list", "table", "ip", "filter")
	for _, want := range []string{"chain FORWARD", "policy drop", "chain DOCKER"} {
		if !strings.Contains(got, want) {
			t.Errorf("after CleanUp, ip filter lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "chain INPUT") || strings.Contains(got, "10.1.0.0") {
		t.Errorf("CleanUp left the owner's chain or rules:\n%s", got)
	}
	ns.Exec("iptables-nft", "-X", "DOCKER")
	ns.Exec("iptables-nft", "-P", "FORWARD", "ACCEPT")
	if err := b.CleanUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ns.Exec("nft", "list", "tables"); strings.TrimSpace(got) != "" {
		t.Errorf("the created table stays once empty:\n%s", got)
	}
}

// TestPlacementForeignJump: a chain the owner created and no longer
// declares stays, rules and all, while someone else jumps to it (deleting
// it would fail every batch); it goes once the jump is gone.
func TestPlacementForeignJump(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithPlacement("filter"))
	apply(t, b, &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "KILO-IPIP", "", `-s 10.1.0.0/16 -j ACCEPT`),
		chain(t, rule.IPv4, "filter", "INPUT", "", `-p ipencap -j KILO-IPIP`),
	}})
	ns.Exec("iptables-nft", "-A", "FORWARD", "-j", "KILO-IPIP")
	if err := b.CleanUp(context.Background()); err != nil {
		t.Fatalf("CleanUp with a foreign jump to the owner's chain: %v", err)
	}
	got := save(t, ns)
	if !strings.Contains(got, "-A KILO-IPIP -s 10.1.0.0/16 -j ACCEPT") || strings.Contains(got, "-p ipencap") {
		t.Errorf("after CleanUp:\n%s", got)
	}
	ns.Exec("iptables-nft", "-D", "FORWARD", "-j", "KILO-IPIP")
	if err := b.CleanUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := save(t, ns); strings.Contains(got, "KILO-IPIP") {
		t.Errorf("the chain stays after the jump went:\n%s", got)
	}
}
