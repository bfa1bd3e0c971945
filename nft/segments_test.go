package nft

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// fillers returns n rules that match no packet of the tests.
func fillers(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("-d 10.%d.%d.1/32 -p tcp --dport 1 -j ACCEPT", 99, from+i)
	}
	return out
}

// segmentedRuleset is three long chains in filter OUTPUT, with policy
// DROP: OUTPUT jumps to U and goes to G, U jumps to V; the decisive rules
// sit in the last segments. Packets to 127.0.0.x (UDP, locally sent) are
// dropped (send fails with EPERM) or accepted as iptables would:
//
//	.3: U returns from its last segment, OUTPUT accepts after the jump
//	.4: nothing matches: OUTPUT's policy after its last segment, DROP
//	.5: accepted in OUTPUT's last segment
//	.6: V falls off its end, U accepts after the jump to V
//	.7: V returns from a late segment, U drops after the jump
//	.8: OUTPUT goes (-g) to G, G returns: OUTPUT's caller, policy DROP,
//	    although OUTPUT accepts .8 further down
//	.9: OUTPUT goes to G, G falls off its end: policy DROP too
//	.10: U goes to V, V returns: back in OUTPUT after the jump to U,
//	    which accepts .10
//
// P has no RETURN and no -g, so its segments hang off P by jumps:
//
//	.11: accepted in P's last segment
//	.12: P falls off its end: OUTPUT accepts after the jump to P
//	.13: P jumps to U from a middle segment, U returns, P accepts
//
// Every packet first goes through raw OUTPUT, a built-in chain without
// RETURN or -g (jumps to its segments), policy DROP, which accepts .3-.13
// in middle segments and .15 in its last:
//
//	.14: nothing matches: raw OUTPUT's policy after its last segment, DROP
//	.15: accepted in raw OUTPUT's last segment, then by filter OUTPUT
func segmentedRuleset(t testing.TB) *firewall.Ruleset {
	out := append(append([]string{"-d 127.0.0.15 -j ACCEPT"}, fillers(0, 20)...),
		"-d 127.0.0.3 -j U", "-d 127.0.0.6 -j U", "-d 127.0.0.7 -j U", "-d 127.0.0.10 -j U",
		"-d 127.0.0.11 -j P", "-d 127.0.0.12 -j P", "-d 127.0.0.13 -j P", "-d 127.0.0.12 -j ACCEPT",
		"-d 127.0.0.3 -j ACCEPT", "-d 127.0.0.10 -j ACCEPT",
		"-d 127.0.0.8 -g G", "-d 127.0.0.9 -g G", "-d 127.0.0.8 -j ACCEPT", "-d 127.0.0.9 -j ACCEPT")
	out = append(out, fillers(40, 10)...)
	out = append(out, "-d 127.0.0.5 -j ACCEPT", "-o lo -p tcp -j ACCEPT")
	u := append(fillers(60, 20), "-d 127.0.0.3 -j RETURN", "-d 127.0.0.13 -j RETURN", "-d 127.0.0.6 -j V", "-d 127.0.0.6 -j ACCEPT",
		"-d 127.0.0.7 -j V", "-d 127.0.0.7 -j DROP", "-d 127.0.0.10 -g V")
	u = append(u, fillers(90, 8)...)
	u = append(u, "-j DROP")
	v := append(fillers(110, 20), "-d 127.0.0.7 -j RETURN", "-d 127.0.0.10 -j RETURN")
	v = append(v, fillers(140, 10)...)
	g := append(fillers(160, 20), "-d 127.0.0.8 -j RETURN")
	g = append(g, fillers(190, 10)...)
	pp := append(fillers(200, 20), "-d 127.0.0.13 -j U", "-d 127.0.0.13 -j ACCEPT")
	pp = append(append(pp, fillers(230, 10)...), "-d 127.0.0.11 -j ACCEPT")
	pp = append(pp, fillers(250, 5)...)
	raw := append(fillers(20, 10), "-d 127.0.0.0/29 -j ACCEPT")
	raw = append(append(raw, fillers(30, 10)...), "-d 127.0.0.8/30 -j ACCEPT", "-d 127.0.0.12/31 -j ACCEPT")
	raw = append(append(raw, fillers(50, 10)...), "-d 127.0.0.15 -j ACCEPT")
	return &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "raw", "OUTPUT", "DROP", raw...),
		chain(t, rule.IPv4, "filter", "P", "", pp...),
		chain(t, rule.IPv4, "filter", "OUTPUT", "DROP", out...),
		chain(t, rule.IPv4, "filter", "U", "", u...),
		chain(t, rule.IPv4, "filter", "V", "", v...),
		chain(t, rule.IPv4, "filter", "G", "", g...),
	}}
}

// verdicts sends one UDP datagram to each of 127.0.0.3-15 from ns and
// returns which were accepted.
func verdicts(t *testing.T, ns *netnstest.NS) string {
	t.Helper()
	var out []string
	for i := 3; i <= 15; i++ {
		err := ns.Do(func() error {
			c, err := net.Dial("udp4", fmt.Sprintf("127.0.0.%d:9", i))
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = c.Write([]byte("x"))
			return err
		})
		switch {
		case err == nil:
			out = append(out, fmt.Sprintf(".%d accept", i))
		case errors.Is(err, syscall.EPERM):
			out = append(out, fmt.Sprintf(".%d drop", i))
		default:
			t.Fatalf("sending to 127.0.0.%d: %v", i, err)
		}
	}
	return strings.Join(out, ", ")
}

// wantVerdicts are iptables' verdicts for segmentedRuleset (see there).
const wantVerdicts = ".3 accept, .4 drop, .5 accept, .6 accept, .7 drop, .8 drop, .9 drop, .10 accept, .11 accept, .12 accept, .13 accept, .14 drop, .15 accept"

var segChainRe = regexp.MustCompile(`(?m)^\tchain "?([A-Za-z0-9_-]+/seg\d+)"? \{`)

// segments returns the names of the segment chains in the table.
func segments(ns *netnstest.NS) []string {
	var out []string
	for _, m := range segChainRe.FindAllStringSubmatch(ns.Exec("nft", "list", "table", "ip", "nftsync-filter"), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestSegmentsPackets checks iptables' verdicts with packets through
// segmented chains: RETURN from a late segment, the policy after the last
// segment, nested segmented chains, -g into a segmented chain; then the
// same verdicts once the segments are merged back (no WithSegments), and
// from iptables-legacy with the same rules, the oracle.
func TestSegmentsPackets(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	ns.Exec("ip", "link", "set", "lo", "up")
	b, _ := newBackend(t, ns, WithSegments(4))
	rs := segmentedRuleset(t)
	apply(t, b, rs)
	segs := segments(ns)
	for _, c := range []string{"OUTPUT", "U", "V", "G", "P"} {
		n := 0
		for _, s := range segs {
			if strings.HasPrefix(s, c+"/") {
				n++
			}
		}
		if n < 2 {
			t.Fatalf("chain %s has %d segments, want several; segments: %v", c, n, segs)
		}
	}
	for c, layout := range map[string]string{"filter OUTPUT": "goto", "filter U": "goto", "filter P": "jump", "raw OUTPUT": "jump"} {
		table, name, _ := strings.Cut(c, " ")
		if got := ns.Exec("nft", "list", "chain", "ip", "nftsync-"+table, name); !strings.Contains(got, layout+" "+name+"/seg") {
			t.Errorf("%s does not %s to its segments:\n%s", c, layout, got)
		}
	}
	if got := verdicts(t, ns); got != wantVerdicts {
		t.Errorf("segmented verdicts:\n got %s\nwant %s", got, wantVerdicts)
	}
	// The counter of the rule accepting .5, in OUTPUT's last segment.
	last := ""
	for _, s := range segs {
		if strings.HasPrefix(s, "OUTPUT/") {
			last = s
		}
	}
	listed := ns.Exec("nft", "list", "chain", "ip", "nftsync-filter", last)
	if !regexp.MustCompile(`ip daddr 127\.0\.0\.5 counter packets 1 bytes \d+ accept`).MatchString(listed) {
		t.Errorf("the rule accepting .5 did not count one packet:\n%s", listed)
	}
	checkNoop(t, b, rs)

	// The same ruleset whole: the segments are merged back.
	b.Close()
	whole, _ := newBackend(t, ns)
	p := apply(t, whole, segmentedRuleset(t))
	for _, c := range p.Changes {
		if c.Op != firewall.DeleteChain && c.Op != firewall.DeleteRule && c.Op != firewall.AddRule || c.Chain == "" {
			t.Errorf("unexpected change merging segments: %+v", c)
		}
	}
	if s := segments(ns); len(s) != 0 {
		t.Fatalf("segments left: %v", s)
	}
	if got := verdicts(t, ns); got != wantVerdicts {
		t.Errorf("whole verdicts:\n got %s\nwant %s", got, wantVerdicts)
	}

	// The oracle: iptables itself (legacy, no nftables) with the same
	// rules gives the same verdicts.
	if err := whole.CleanUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	netnstest.RequireBinary(t, "iptables-legacy-restore")
	var file strings.Builder
	for _, table := range []string{"raw", "filter"} {
		fmt.Fprintf(&file, "*%s\n", table)
		for _, c := range rs.Chains {
			if policy := c.Policy; c.Table == table {
				if policy == "" {
					policy = "-"
				}
				fmt.Fprintf(&file, ":%s %s [0:0]\n", c.Name, policy)
			}
		}
		for _, c := range rs.Chains {
			for _, r := range c.Rules {
				if c.Table == table {
					fmt.Fprintf(&file, "-A %s %s\n", c.Name, r.Spec)
				}
			}
		}
		file.WriteString("COMMIT\n")
	}
	path := t.TempDir() + "/rules"
	if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ns.Exec("iptables-legacy-restore", path)
	if got := verdicts(t, ns); got != wantVerdicts {
		t.Errorf("iptables-legacy verdicts:\n got %s\nwant %s", got, wantVerdicts)
	}
}

// longChain returns filter INPUT, policy DROP, with the given rules.
func longChain(t testing.TB, rules []string) *firewall.Ruleset {
	return &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "INPUT", "DROP", rules...)}}
}

// segHandles returns the handles of every rule of the segmented INPUT,
// by chain.
func segHandles(t *testing.T, ns *netnstest.NS) map[string][]string {
	out := map[string][]string{"INPUT": ruleHandles(t, ns, "ip", "nftsync-filter", "INPUT")}
	for _, s := range segments(ns) {
		out[s] = ruleHandles(t, ns, "ip", "nftsync-filter", s)
	}
	return out
}

// TestSegmentsConverge checks the convergence of the segmented layout
// through changes that grow, shrink and edit a chain: each Apply leaves a
// state that plans nothing, from memory and from a dump, whose Read fed
// back changes nothing and whose second Apply keeps every handle; a
// one-rule change touches one segment and is reported in the chain's
// terms.
func TestSegmentsConverge(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithSegments(10))
	ctx := context.Background()
	steps := []struct {
		name string
		edit func([]string) []string
	}{
		{"cold", nil},
		{"insert in the middle", func(r []string) []string {
			return append(r[:55:55], append([]string{"-s 10.9.9.9 -j DROP"}, r[55:]...)...)
		}},
		{"change one", func(r []string) []string { r[30] = "-s 10.9.9.8 -j DROP"; return r }},
		{"delete a run (merge)", func(r []string) []string { return append(r[:20:20], r[28:]...) }},
		{"insert a run (split)", func(r []string) []string {
			return append(r[:70:70], append(fillers(0, 25), r[70:]...)...)
		}},
		{"delete the head's rules", func(r []string) []string { return r[12:] }},
		{"shrink to short", func(r []string) []string { return r[:8] }},
		{"grow again", func(r []string) []string { return append(r, fillers(0, 60)...) }},
	}
	var prev map[string][]string
	cur := make([]string, 100)
	for i := range cur {
		cur[i] = fmt.Sprintf("-s 10.0.%d.%d -j ACCEPT", i/256, i%256)
	}
	for _, st := range steps {
		before := cur
		if st.edit != nil {
			cur = st.edit(slices.Clone(cur))
		}
		rs := longChain(t, cur)
		p := apply(t, b, rs)
		for _, c := range p.Changes {
			if c.Chain != "INPUT" {
				t.Errorf("%s: change outside INPUT: %+v", st.name, c)
			}
		}
		// Rules moved between segments (a split, a merge) are no change
		// in iptables' terms: the plan has the rules that came and went.
		if st.edit != nil {
			if want := multisetDiff(before, cur); len(p.Changes) != want {
				t.Errorf("%s: %d changes, want %d (the rules added and deleted): %+v", st.name, len(p.Changes), want, p.Changes)
			}
		}
		if st.name == "insert in the middle" || st.name == "change one" {
			// One segment rewritten: the other segments keep every
			// handle, and the plan is the rule's change at its place.
			want := map[string]int{"insert in the middle": 1, "change one": 2}[st.name]
			if len(p.Changes) != want {
				t.Errorf("%s: %d changes, want %d: %+v", st.name, len(p.Changes), want, p.Changes)
			}
			for _, c := range p.Changes {
				// Positions in INPUT: the rule added, or deleted, at 30
				// (or 55) of the chain, not of a segment.
				if c.Position != map[string]int{"insert in the middle": 55, "change one": 30}[st.name] {
					t.Errorf("%s: %s at %d: %+v", st.name, c.Op, c.Position, c)
				}
			}
			now := segHandles(t, ns)
			changed := 0
			for name, hs := range now {
				if strings.Join(hs, "\n") != strings.Join(prev[name], "\n") {
					changed++
				}
			}
			if changed != 1 {
				t.Errorf("%s: %d kernel chains changed, want 1", st.name, changed)
			}
		}
		if st.name != "shrink to short" && len(segments(ns)) < 3 {
			t.Errorf("%s: segments %v, want several", st.name, segments(ns))
		}
		if st.name == "shrink to short" && len(segments(ns)) != 0 {
			t.Errorf("%s: segments %v, want none", st.name, segments(ns))
		}
		prev = segHandles(t, ns)
		checkNoop(t, b, rs)
		// Planned from a dump, by another backend.
		fresh, _ := newBackend(t, ns, WithSegments(10))
		if pl, err := fresh.Plan(ctx, longChain(t, cur)); err != nil || len(pl.Changes) != 0 {
			t.Fatalf("%s: plan from a dump: %v %+v", st.name, err, pl)
		}
		// Read shows one chain, whose rules fed back change nothing.
		read, err := fresh.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(read.Chains) != 1 || len(read.Chains[0].Rules) != len(rs.Chains[0].Rules) {
			t.Fatalf("%s: Read: %d chains, want INPUT alone with %d rules", st.name, len(read.Chains), len(rs.Chains[0].Rules))
		}
		for i, r := range read.Chains[0].Rules {
			if r.Spec.String() != rs.Chains[0].Rules[i].Spec.String() {
				t.Fatalf("%s: Read rule %d: %s, want %s", st.name, i, r.Spec, rs.Chains[0].Rules[i].Spec)
			}
		}
		fresh.Close()
		b.forget()
		if p := apply(t, b, read); len(p.Changes) != 0 {
			t.Errorf("%s: Read fed back changed %+v", st.name, p.Changes)
		}
		if now := segHandles(t, ns); fmt.Sprint(now) != fmt.Sprint(prev) {
			t.Errorf("%s: handles moved by applying the same state again", st.name)
		}
	}
	if err := b.CleanUp(ctx); err != nil {
		t.Fatal(err)
	}
	if out := ns.Exec("nft", "list", "ruleset"); strings.TrimSpace(out) != "" {
		t.Errorf("CleanUp left:\n%s", out)
	}
}

// TestSegmentsDepthBudget checks that nested long chains get no more
// segments than the kernel's 16 levels allow, so that the ruleset loads:
// four long chains jumping to one another, with a RETURN each (linked
// by gotos) or without (by jumps).
func TestSegmentsDepthBudget(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	for _, ret := range []bool{true, false} {
		ns := netnstest.New(t)
		b, _ := newBackend(t, ns, WithSegments(2))
		var chains []*firewall.Chain
		for i := 0; i < 4; i++ {
			rs := fillers(i*40, 40)
			if ret {
				rs[0] = "-s 10.255.0.1/32 -j RETURN"
			}
			if i < 3 {
				rs = append(rs, fmt.Sprintf("-j C%d", i+1))
			}
			name := fmt.Sprintf("C%d", i)
			if i == 0 {
				name = "INPUT"
			}
			chains = append(chains, chain(t, rule.IPv4, "filter", name, "", rs...))
		}
		chains[0].Policy = "ACCEPT"
		rs := &firewall.Ruleset{Chains: chains}
		apply(t, b, rs)
		if n := len(segments(ns)); n < 4 {
			t.Errorf("RETURN %v: %d segments, want some in every chain", ret, n)
		}
		checkNoop(t, b, rs)
		b.Close()
	}
}

// TestSegmentNamesRefused checks that a declared chain named like a
// segment is refused while segmenting.
func TestSegmentNamesRefused(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithSegments(2))
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", segName("X", 1), "")}}
	if _, err := b.Apply(context.Background(), rs); err == nil || !strings.Contains(err.Error(), "segments") {
		t.Fatalf("Apply: %v, want a refusal naming segments", err)
	}
}

// segmentRules returns the rules of INPUT: n rules from 10.0.0.0.
func segmentRules(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("-s 10.0.%d.%d -j ACCEPT", i/256, i%256)
	}
	return out
}

// TestSegmentsDrift changes segments behind the backend's back, in both
// layouts (a chain with a RETURN is linked by gotos, one without by
// jumps): each change is an owned foreign commit to the watcher, Read
// shows it in INPUT's terms, and Apply repairs it to INPUT's rules, which
// plans nothing after.
func TestSegmentsDrift(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	for _, layout := range []string{"goto", "jump"} {
		t.Run(layout, func(t *testing.T) { segmentsDrift(t, layout) })
	}
}

func segmentsDrift(t *testing.T, layout string) {
	want := segmentRules(60)
	if layout == "goto" {
		want[0] = "-s 10.255.0.1/32 -j RETURN"
	}
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithSegments(10))
	w, err := b.Watch()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ch := events(t, w)
	rs := longChain(t, want)
	apply(t, b, rs)
	if ev := nextEvent(t, ch); !ev.Owned || !b.Committed(ev.Gen) {
		t.Fatalf("own segmented apply: %+v, want an own commit", ev)
	}
	segs := segments(ns)
	if len(segs) < 3 {
		t.Fatalf("segments %v, want several", segs)
	}
	if got := ns.Exec("nft", "list", "chain", "ip", "nftsync-filter", "INPUT"); !strings.Contains(got, layout+" "+segs[0]) {
		t.Fatalf("INPUT does not %s to %s:\n%s", layout, segs[0], got)
	}
	// linkTo returns the chain and handle of the link to a segment.
	linkTo := func(seg string) string {
		for _, c := range append([]string{"INPUT"}, segments(ns)...) {
			for _, h := range ruleHandles(t, ns, "ip", "nftsync-filter", c) {
				if strings.HasSuffix(h, " "+seg) {
					return c + " handle " + strings.Fields(h)[0]
				}
			}
		}
		t.Fatalf("no link to %s", seg)
		return ""
	}
	// segRules returns the rules, with their handles, of every segment.
	segRules := func() map[string][]string {
		out := map[string][]string{}
		for _, c := range segments(ns) {
			out[c] = ruleHandles(t, ns, "ip", "nftsync-filter", c)
		}
		return out
	}
	cases := []struct {
		name   string
		script func() string
		read   func(*firewall.Ruleset) error // checks Read before the repair
	}{
		{"chain flushed", func() string { return "flush chain ip nftsync-filter INPUT" }, nil},
		{"foreign rule in a segment", func() string {
			return "add rule ip nftsync-filter " + segs[1] + " counter accept"
		}, func(got *firewall.Ruleset) error {
			if len(got.Chains) != 1 || len(got.Chains[0].Rules) != 61 {
				return fmt.Errorf("want INPUT alone with 61 rules")
			}
			return nil
		}},
		{"rule deleted in a segment", func() string {
			return "delete rule ip nftsync-filter " + segs[0] + " handle " + handleOf(t, ns, "ip", "nftsync-filter", segs[0], 0)
		}, nil},
		{"link deleted", func() string {
			return "delete rule ip nftsync-filter " + linkTo(segs[1])
		}, nil},
		{"segment flushed", func() string { return "flush chain ip nftsync-filter " + segs[1] }, nil},
		{"segment deleted", func() string {
			return "delete rule ip nftsync-filter " + linkTo(segs[1]) + "\n" +
				"flush chain ip nftsync-filter " + segs[1] + "\ndelete chain ip nftsync-filter " + segs[1]
		}, nil},
		{"mark of a segment lost", func() string {
			// The same chain without its mark, rules and link as they were.
			return "delete rule ip nftsync-filter " + linkTo(segs[0]) + "\n" +
				"flush chain ip nftsync-filter " + segs[0] + "\ndelete chain ip nftsync-filter " + segs[0] + "\n" +
				"add chain ip nftsync-filter " + segs[0] + "\nadd rule ip nftsync-filter " + segs[0] + " counter accept\n" +
				"add rule ip nftsync-filter INPUT " + layout + " " + segs[0]
		}, nil},
	}
	for _, c := range cases {
		before := segRules()
		ns.NFT(c.script())
		if ev := nextEvent(t, ch); !ev.Owned || b.Committed(ev.Gen) {
			t.Fatalf("%s: %+v, want an owned foreign commit", c.name, ev)
		}
		if c.read != nil {
			got, err := b.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if err := c.read(got); err != nil {
				t.Errorf("%s: Read: %v", c.name, err)
			}
		}
		p := apply(t, b, longChain(t, want))
		if p.Empty() {
			t.Errorf("%s: nothing repaired", c.name)
		}
		// Once INPUT is flushed nothing leads to the segments: the repair
		// links them again, keeping them as they were, rather than adding
		// their rules anew.
		if c.name == "chain flushed" {
			if after := segRules(); !reflect.DeepEqual(after, before) {
				t.Errorf("%s: the repair changed the segments:\n%v\nwere\n%v", c.name, after, before)
			}
			// Read showed INPUT empty: the plan adds all its rules.
			if n := len(p.Changes); n != len(want) {
				t.Errorf("%s: the repair reported %d changes, want %d additions:\n%s", c.name, n, len(want), p)
			}
		}
		if ev := nextEvent(t, ch); !ev.Owned || !b.Committed(ev.Gen) {
			t.Fatalf("%s: repair %+v, want an own commit", c.name, ev)
		}
		got, err := b.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Chains) != 1 || chainText(got.Chains[0]) != chainText(rs.Chains[0]) {
			t.Errorf("%s: repaired to\n%s", c.name, chainText(got.Chains[0]))
		}
		checkNoop(t, b, rs)
		segs = segments(ns)
	}
}

// chainText is a chain's rules, one a line.
func chainText(c *firewall.Chain) string {
	var s strings.Builder
	for _, r := range c.Rules {
		s.WriteString(r.Spec.String() + "\n")
	}
	return s.String()
}

// TestRebalance checks the segment sizes rebalance leaves, that what it
// leaves it leaves alone (so that a second Apply moves nothing), that
// the first group stays, and that k bounds the count.
func TestRebalance(t *testing.T) {
	mk := func(sizes ...int) []*group {
		var gs []*group
		at := 0
		for i, s := range sizes {
			gs = append(gs, &group{name: fmt.Sprint("g", i), lo: at, hi: at + s})
			at += s
		}
		return gs
	}
	sizes := func(gs []*group) []int {
		var out []int
		for _, g := range gs {
			out = append(out, g.size())
		}
		return out
	}
	cases := []struct {
		name  string
		in    []int
		k, n  int
		check func([]int) bool
	}{
		{"cold split", []int{100}, 100, 10, func(s []int) bool { return len(s) == 10 }},
		{"split capped by k", []int{100}, 4, 10, func(s []int) bool { return len(s) == 4 }},
		{"grown segment split", []int{10, 25, 10}, 100, 10, func(s []int) bool { return len(s) == 5 }},
		{"short segment merged", []int{10, 3, 10}, 100, 10, func(s []int) bool { return len(s) == 2 }},
		{"empty segments dropped", []int{10, 0, 0, 10}, 100, 10, func(s []int) bool { return len(s) == 2 }},
		{"empty head merged", []int{0, 10, 10}, 100, 10, func(s []int) bool { return len(s) == 2 }},
		{"over k merged", []int{10, 10, 10, 10}, 2, 10, func(s []int) bool { return len(s) == 2 }},
		{"whole chain short", []int{3, 3}, 1, 10, func(s []int) bool { return len(s) == 1 }},
	}
	for _, c := range cases {
		gs, _ := rebalance(mk(c.in...), c.k, c.n)
		got := sizes(gs)
		total, want := 0, 0
		for _, s := range got {
			total += s
		}
		for _, s := range c.in {
			want += s
		}
		if !c.check(got) || total != want || gs[0].name != "g0" || len(gs) > c.k {
			t.Errorf("%s: %v → %v", c.name, c.in, got)
			continue
		}
		for i, g := range gs {
			if i > 0 && g.lo != gs[i-1].hi {
				t.Errorf("%s: groups not consecutive: %v", c.name, got)
			}
		}
		if again, _ := rebalance(gs, c.k, c.n); fmt.Sprint(sizes(again)) != fmt.Sprint(got) {
			t.Errorf("%s: not stable: %v → %v", c.name, got, again)
		}
	}
}

// TestSegmentsIPv6 checks the layout in an ip6 table next to an ip one:
// segments in both, one chain each in Read, nothing planned again.
func TestSegmentsIPv6(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithSegments(5))
	var v4, v6 []string
	for i := 0; i < 40; i++ {
		v4 = append(v4, fmt.Sprintf("-s 10.0.0.%d -j ACCEPT", i))
		v6 = append(v6, fmt.Sprintf("-s fd00::%x -j ACCEPT", i))
	}
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "INPUT", "DROP", v4...),
		chain(t, rule.IPv6, "filter", "INPUT", "DROP", v6...),
	}}
	apply(t, b, rs)
	for _, fam := range []string{"ip", "ip6"} {
		if got := ns.Exec("nft", "list", "table", fam, "nftsync-filter"); !strings.Contains(got, "jump INPUT/seg") {
			t.Errorf("%s: no segments:\n%s", fam, got)
		}
	}
	checkNoop(t, b, rs)
	read, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Chains) != 2 || chainText(read.Chains[0]) != chainText(rs.Chains[0]) || chainText(read.Chains[1]) != chainText(rs.Chains[1]) {
		t.Errorf("Read:\n%v", read.Chains)
	}
}

// TestSweepLinks checks that unused links go once they outnumber the
// used ones, and used ones stay.
func TestSweepLinks(t *testing.T) {
	var s segmenter
	var used []*entry
	for i := 0; i < 200; i++ {
		e, err := s.link(rule.IPv4, segName("C", i+1), false)
		if err != nil {
			t.Fatal(err)
		}
		if i < 10 {
			used = append(used, e)
		}
	}
	s.sweepLinks(used)
	if len(s.links) != 10 {
		t.Fatalf("%d links kept, want the 10 used", len(s.links))
	}
	for _, e := range used {
		if again, _ := s.link(rule.IPv4, strings.TrimSuffix(strings.TrimPrefix(e.spec, `<goto segment "`), `">`), false); again != e {
			t.Errorf("used link %s dropped", e.spec)
		}
	}
}

// multisetDiff is how many rules are in one list and not the other,
// counted with their repeats.
func multisetDiff(a, b []string) int {
	n := map[string]int{}
	for _, r := range a {
		n[r]++
	}
	for _, r := range b {
		n[r]--
	}
	d := 0
	for _, v := range n {
		d += max(v, -v)
	}
	return d
}
