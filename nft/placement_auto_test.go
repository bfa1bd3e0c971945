package nft

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
)

// autoRulesets are a ruleset whose mangle tables stay the owner's, and
// the same with a v4 rule that loads only in a table named mangle: with
// it, v4 mangle is placed, v6 mangle stays the owner's.
func autoRulesets(t *testing.T) (owned, placed *firewall.Ruleset) {
	base := func(v4 ...string) *firewall.Ruleset {
		return &firewall.Ruleset{Chains: []*firewall.Chain{
			chain(t, rule.IPv4, "filter", "INPUT", "", `-s 10.8.0.0/16 -j ACCEPT`),
			chain(t, rule.IPv4, "mangle", "POSTROUTING", "", v4...),
			chain(t, rule.IPv4, "mangle", "AUTO-USER", "", `-d 10.9.1.0/24 -j MARK --set-xmark 0x3/0xffffffff`),
			chain(t, rule.IPv6, "mangle", "POSTROUTING", "", `-d fd00::/64 -j MARK --set-xmark 0x2/0xffffffff`),
		}}
	}
	owned = base(`-d 10.9.0.0/16 -j MARK --set-xmark 0x2/0xffffffff`, `-j AUTO-USER`)
	placed = base(`-d 10.9.0.0/16 -j MARK --set-xmark 0x2/0xffffffff`, `-j AUTO-USER`, `-p udp -j TTL --ttl-set 7`)
	return owned, placed
}

// checkConverged: a second apply and Plan change nothing and keep every
// handle, and Read fed back changes nothing and is what was applied.
func checkConverged(t *testing.T, ns *netnstest.NS, b *Backend, rs *firewall.Ruleset) {
	t.Helper()
	listed := ns.Exec("nft", "-a", "list", "ruleset")
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("second apply: %s", p)
	}
	if p, err := b.Plan(context.Background(), rs); err != nil || !p.Empty() {
		t.Errorf("Plan after apply: %v %v", p, err)
	}
	got, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if g, w := rulesetText(got), rulesetText(rs); g != w {
		t.Errorf("Read:\n%s\nwant\n%s", g, w)
	}
	for _, c := range got.Chains {
		for _, r := range c.Rules {
			if strings.Contains(r.Spec.String(), ForeignComment) {
				t.Errorf("an owned rule reads as foreign: %s", r.Label)
			}
		}
	}
	if p := apply(t, b, got); !p.Empty() {
		t.Errorf("Read fed back: %s", p)
	}
	if now := ns.Exec("nft", "-a", "list", "ruleset"); now != listed {
		t.Errorf("handles changed:\n%s\nwas\n%s", now, listed)
	}
}

// TestAutoPlacementTransitions moves v4 mangle from the owner's table into
// iptables' and back as a rule that needs a table named mangle comes and
// goes, each in one apply: iptables-nft-save shows exactly the placed
// rules next to a foreign one in between and the original ruleset after,
// nothing is left behind, v6 mangle stays the owner's throughout, a fresh
// backend takes over what another one placed, and CleanUp restores
// iptables-nft-save byte for byte.
func TestAutoPlacementTransitions(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	ns.Exec("iptables-nft", "-t", "mangle", "-A", "POSTROUTING", "-s", "1.2.3.4/32", "-j", "MARK", "--set-xmark", "0x1/0xffffffff")
	before := save(t, ns)
	foreign := listing(ns, "ip", "mangle")
	owned, placed := autoRulesets(t)
	b, _ := newBackend(t, ns)

	apply(t, b, owned)
	if got := save(t, ns); got != before {
		t.Errorf("nothing needs placement, yet iptables-nft-save changed:\n%s", got)
	}
	checkConverged(t, ns, b, owned)

	if p := apply(t, b, placed); p.Empty() {
		t.Fatal("adding the TTL rule changed nothing")
	}
	got := save(t, ns)
	// Appended rules (Head 0), after the foreign one, as iptables -A
	// leaves them.
	want := "-A POSTROUTING -s 1.2.3.4/32 -j MARK --set-xmark 0x1/0xffffffff\n-A POSTROUTING -d 10.9.0.0/16 -j MARK --set-xmark 0x2/0xffffffff\n-A POSTROUTING -j AUTO-USER\n-A POSTROUTING -p udp -j TTL --ttl-set 7\n-A AUTO-USER -d 10.9.1.0/24 -j MARK --set-xmark 0x3/0xffffffff\nCOMMIT\n"
	if !strings.Contains(got, want) {
		t.Errorf("iptables-nft-save lacks\n%s\n%s", want, got)
	}
	if strings.Contains(got, "fd00::") || strings.Count(got, "*mangle") != 1 {
		t.Errorf("v6 mangle was placed too:\n%s", got)
	}
	tables := ns.Exec("nft", "list", "tables")
	if strings.Contains(tables, "table ip nftsync-mangle") || !strings.Contains(tables, "table ip6 nftsync-mangle") {
		t.Errorf("after placing v4 mangle, tables:\n%s", tables)
	}
	checkConverged(t, ns, b, placed)

	// Another process of the owner knows nothing of what was placed.
	b.Close()
	fresh, _ := newBackend(t, ns)
	checkConverged(t, ns, fresh, placed)

	apply(t, fresh, owned)
	if got := save(t, ns); got != before {
		t.Errorf("back to the owner's table, iptables-nft-save:\n%s\nwas\n%s", got, before)
	}
	if got := listing(ns, "ip", "mangle"); got != foreign {
		t.Errorf("ip mangle after placement left:\n%s\nwas\n%s", got, foreign)
	}
	if !strings.Contains(ns.Exec("nft", "list", "table", "ip", "nftsync-mangle"), "chain AUTO-USER") {
		t.Error("the owner's v4 mangle table was not recreated")
	}
	checkConverged(t, ns, fresh, owned)

	apply(t, fresh, placed)
	fresh.Close()
	other, _ := newBackend(t, ns)
	if err := other.CleanUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := save(t, ns); got != before {
		t.Errorf("CleanUp left iptables-nft-save\n%s\nwas\n%s", got, before)
	}
	if got := strings.TrimSpace(ns.Exec("nft", "list", "tables")); got != "table ip mangle" {
		t.Errorf("after CleanUp, tables:\n%s", got)
	}
}

// TestAutoPlacementRefuses: with automatic placement off the rule is
// refused as before; a table that must be placed but cannot be is refused
// before anything changes, naming the rule that cannot be placed and the
// one that needs the placement.
func TestAutoPlacementRefuses(t *testing.T) {
	ns := netnstest.New(t)
	_, placed := autoRulesets(t)
	off, _ := newBackend(t, ns, WithAutoPlacement(false))
	_, err := off.Apply(context.Background(), placed)
	if err == nil || !errors.Is(err, xt.ErrTableBound) || !strings.Contains(err.Error(), "can run only through placement in iptables' own mangle table") {
		t.Errorf("auto placement off: %v", err)
	}
	off.Close()
	b, _ := newBackend(t, ns)
	ttl := `-p udp -j TTL --ttl-set 7`
	// A spec that does not fit a placed rule's userdata, even
	// compressed: three patterns of bytes that do not repeat.
	var long strings.Builder
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 3 {
		p := make([]byte, 100)
		for i := range p {
			p[i] = byte(rnd.Uint32())
		}
		fmt.Fprintf(&long, "-m string --algo bm --hex-string |%x| ", p)
	}
	long.WriteString("-j ACCEPT")
	for _, c := range []*firewall.Chain{
		chain(t, rule.IPv4, "mangle", "POSTROUTING", "", long.String(), ttl),
		chain(t, rule.IPv4, "mangle", "POSTROUTING", "DROP", ttl),
	} {
		_, err := b.Apply(context.Background(), &firewall.Ruleset{Chains: []*firewall.Chain{c}})
		if err == nil {
			t.Errorf("%s policy %q %v: accepted", c.Name, c.Policy, c.Rules)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, `which rule "mangle -A POSTROUTING `+ttl+`" needs: -j TTL loads only in a table named mangle`) {
			t.Errorf("the refusal does not name the rule needing placement: %v", err)
		}
		t.Logf("refused: %v", err)
	}
	if out := ns.Exec("nft", "list", "ruleset"); strings.TrimSpace(out) != "" {
		t.Errorf("a refused apply changed the ruleset:\n%s", out)
	}
}

var udpPktsRe = regexp.MustCompile(`counter packets (\d+)`)

// TestAutoPlacementPackets: a TTL rule placed automatically on the router
// rewrites the TTL of forwarded packets; the server counts them by TTL.
func TestAutoPlacementPackets(t *testing.T) {
	tp := netnstest.Topology(t)
	tp.Server.NFT(`table ip count {
		chain in { type filter hook input priority 0; udp dport 9999 ip ttl 7 counter; udp dport 9999 ip ttl != 7 counter; }
	}`)
	send := func() {
		t.Helper()
		err := tp.Client.Do(func() error {
			c, err := net.Dial("udp", net.JoinHostPort(tp.V4.Server.String(), "9999"))
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = c.Write([]byte("ttl"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	counts := func() (ttl7, other int) {
		m := udpPktsRe.FindAllStringSubmatch(tp.Server.Exec("nft", "list", "table", "ip", "count"), -1)
		if len(m) != 2 {
			t.Fatalf("counters: %v", m)
		}
		a, _ := strconv.Atoi(m[0][1])
		o, _ := strconv.Atoi(m[1][1])
		return a, o
	}
	b, _ := newBackend(t, tp.Router)
	apply(t, b, &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "mangle", "POSTROUTING", "", `-o `+netnstest.RouterOut+` -p udp --dport 9999 -j TTL --ttl-set 7`),
	}})
	send()
	if a, o := counts(); a != 1 || o != 0 {
		t.Errorf("with the TTL rule: %d packets with TTL 7, %d others; want 1, 0", a, o)
	}
	apply(t, b, &firewall.Ruleset{})
	send()
	if a, o := counts(); a != 1 || o != 1 {
		t.Errorf("without it: %d packets with TTL 7, %d others; want 1, 1", a, o)
	}
}

// TestAutoPlacementEvents: once v4 mangle is placed automatically, a
// change to ip mangle is one the Watcher reports as owned and Apply
// repairs, while changes to ip filter or ip6 mangle (not placed) are not.
func TestAutoPlacementEvents(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns, b, w := watched(t)
	ch := events(t, w)
	_, placed := autoRulesets(t)
	apply(t, b, placed)
	if ev := nextEvent(t, ch); !ev.Owned || !b.Committed(ev.Gen) {
		t.Fatalf("own apply: %+v", ev)
	}
	ns.NFT("add table ip filter\nadd table ip6 mangle")
	if ev := nextEvent(t, ch); ev.Owned {
		t.Errorf("a change to tables not placed: got %+v, want not owned", ev)
	}
	want := save(t, ns)
	ns.Exec("iptables-nft", "-t", "mangle", "-F", "POSTROUTING")
	if ev := nextEvent(t, ch); !ev.Owned || b.Committed(ev.Gen) {
		t.Errorf("flushing the placed POSTROUTING: got %+v, want an owned foreign event", ev)
	}
	if p := apply(t, b, placed); p.Empty() {
		t.Error("the flushed placed chain was not repaired")
	}
	if got := save(t, ns); got != want {
		t.Errorf("after the repair:\n%s\nwant\n%s", got, want)
	}
}

// TestPlacementXtFormFamily: an xtables form is placed only in its
// family. ip6t_ah's struct put into an IPv4 rule lost its "!" (ipt_ah has
// its invflags where ip6t_ah has hdrlen) and never converged. A rule is
// either refused or placed so that iptables-nft-save reads it back and a
// fresh backend plans nothing.
func TestPlacementXtFormFamily(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
		ns := netnstest.New(t)
		spec := `-p ah -m ah ! --ahspi 1263475627`
		if fam == rule.IPv6 {
			spec = `-m ah ! --ahspi 1263475627`
		}
		rs := func() *firewall.Ruleset {
			return &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, fam, "raw", "PREROUTING", "", spec, `-j CT --zone 1`)}}
		}
		b, _ := newBackend(t, ns)
		if _, err := b.Apply(context.Background(), rs()); err != nil {
			t.Logf("%s: refused: %v", fam, err)
			continue
		}
		b.Close()
		if got := save(t, ns); !strings.Contains(got, "-A PREROUTING "+spec+"\n") {
			t.Errorf("%s: iptables-nft-save does not read the rule back:\n%s", fam, got)
		}
		fresh, _ := newBackend(t, ns)
		if p, err := fresh.Plan(context.Background(), rs()); err != nil || !p.Empty() {
			t.Errorf("%s: a fresh backend plans %v %v", fam, p, err)
		}
	}
}

// TestAutoPlacementSteadyCost: the first apply of a process looks for
// what the owner placed before, once; after that, with nothing placed, a
// change of the desired state dumps nothing (as without placement), and
// with v4 mangle placed it reads that table only.
func TestAutoPlacementSteadyCost(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	ns.Exec("iptables-nft", "-A", "FORWARD", "-j", "DROP")
	ns.Exec("ip6tables-nft", "-t", "mangle", "-A", "OUTPUT", "-j", "DROP")
	b, obs := newBackend(t, ns)
	in := func(rules ...string) *firewall.Ruleset {
		return &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "mangle", "POSTROUTING", "", rules...)}}
	}
	apply(t, b, in(`-s 10.0.0.1 -j ACCEPT`))
	if got := obs.Take(); got["dump"] == 0 {
		t.Errorf("the first apply did not look for placed rules: %v", got)
	}
	apply(t, b, in(`-s 10.0.0.1 -j ACCEPT`, `-s 10.0.0.2 -j ACCEPT`))
	if got := obs.Take(); got["dump"] != 0 {
		t.Errorf("a change with nothing placed dumped: %v", got)
	}
	apply(t, b, in(`-s 10.0.0.1 -j ACCEPT`, `-p udp -j TTL --ttl-set 7`))
	obs.Take()
	// The move deleted the owner's last table: the generation that batch
	// created is not learnt (quietStart), so the next apply reads the
	// owner's tables once. Changes of the desired state are not drift.
	apply(t, b, in(`-s 10.0.0.3 -j ACCEPT`, `-p udp -j TTL --ttl-set 7`))
	if got := obs.Take(); got["drift"] != 0 {
		t.Errorf("a change of the desired state counted as drift: %v", got)
	}
	apply(t, b, in(`-s 10.0.0.4 -j ACCEPT`, `-p udp -j TTL --ttl-set 7`))
	// One table dump, ip mangle's chains and the rules of its one chain
	// (nftsync created the table): not ip filter, not ip6 mangle.
	if got := obs.Take(); got["dump"] != 3 || got["drift"] != 0 {
		t.Errorf("a change with v4 mangle placed: %v, want 3 dumps", got)
	}
}
