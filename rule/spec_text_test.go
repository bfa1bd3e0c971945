package rule

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/nftsync/nftsync/internal/rulegen"
)

// quoteArgs joins arguments, quoting those that need it for a shell-like
// reader, as String did before spec_text.go: the reference appendArg is
// checked against (and the form the fuzz and differential tests write).
func quoteArgs(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeArg(&b, a)
	}
	return b.String()
}

// writeArg writes a, quoted if it needs quotes (needsQuotes).
func writeArg(b *strings.Builder, a string) {
	if !needsQuotes(a) {
		b.WriteString(a)
		return
	}
	b.WriteByte('"')
	argEscaper.WriteString(b, a)
	b.WriteByte('"')
}

// argEscaper escapes what SplitArgs unescapes inside double quotes.
var argEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// argsString is String as it was built before spec_text.go: Args joined,
// each argument quoted by writeArg.
func argsString(r *Rule) string { return quoteArgs(r.Args()) }

// addrString is formatAddr as it was before spec_text.go.
func addrString(a Addr) string {
	if bits, ok := prefixLen(a.Mask); ok {
		return a.IP.String() + "/" + strconv.Itoa(bits)
	}
	return a.IP.String() + "/" + a.Mask.String()
}

// argsKey is Key as it was built before spec_text.go, from headerArgs,
// each match's args() and the target's args.
func argsKey(r *Rule) string {
	out := r.headerArgs(nil)
	var run []string
	flush := func() {
		sort.Strings(run)
		out = append(out, run...)
		run = run[:0]
	}
	for _, m := range r.Matches {
		s := quoteArgs(append([]string{"-m", m.Name()}, m.args()...))
		if m.stateful() {
			flush()
			out = append(out, s)
			continue
		}
		run = append(run, s)
	}
	flush()
	t := r.targetArgs()
	if k, ok := r.Target.(keyTarget); ok {
		t = k.keyArgs()
	}
	if len(t) > 0 {
		out = append(out, quoteArgs(t))
	}
	return r.Family.String() + " " + strings.Join(out, " ")
}

// specTextRules are rules whose texts are written by hand-made code paths:
// quoting, match order for Key, every appendArgs, and the empty rule.
var specTextRules = []struct {
	fam  Family
	args string
}{
	{IPv4, ``},
	{IPv4, `-m comment --comment ""`},
	{IPv4, `-m comment --comment "a \"quoted\" \\ back'slash	tab" -j ACCEPT`},
	{IPv4, `-m comment --comment plain -m comment --comment "two words" -j RETURN`},
	{IPv4, `-p tcp -m mark --mark 0x1/0xff -m comment --comment z -m tcp --dport 1:2 -m limit --limit 1/s -m state --state NEW -m comment --comment a -j DROP`},
	{IPv4, `-p tcp -m tcp ! --sport 0:65535 --dport 0:65535 ! --tcp-option 3 ! --tcp-flags SYN,ACK NONE`},
	{IPv4, `-p tcp ! --tcp-flags ALL ALL --tcp-option 5`},
	{IPv4, `-p udp ! --sport 53 ! --dport 1024:`},
	{IPv4, `-m state ! --state INVALID,UNTRACKED`},
	{IPv4, `-m mark --mark 0xffffffff/0xffffffff -m mark ! --mark 0/0`},
	{IPv4, `-m conntrack --ctstate DNAT,SNAT ! --ctstatus CONFIRMED --ctdir REPLY`},
	{IPv4, `! -s 10.0.0.0/0 ! -d 1.2.3.4/255.0.255.0 ! -i a+ ! -o b ! -p 17 ! -f -g X`},
	{IPv6, `-s ::/0 -d ::ffff:1.2.3.4/128`},
	{IPv6, `-s fe80::1/ffff:0:ffff:: -p ipv6-icmp -j ACCEPT`},
	{IPv4, `-p 200 -j NOTRACK`},
	{IPv4, `-j CT --notrack`},
}

// TestSpecText checks that String and Key, written straight into a buffer,
// are byte for byte what joining Args gives, and that SplitArgs(String())
// gives Args, for hand-made rules, the fuzz seeds, every rule of the corpus
// that parses and rules of the differential test's generator and of
// rulegen (the property tests' generator).
func TestSpecText(t *testing.T) {
	var rules []*Rule
	add := func(fam Family, s string) {
		if r, err := ParseString(fam, s); err == nil {
			rules = append(rules, r)
		}
	}
	for _, c := range specTextRules {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		rules = append(rules, r)
	}
	for _, s := range fuzzSeeds {
		add(IPv4, s)
	}
	for _, s := range fuzzSeeds6 {
		add(IPv6, s)
	}
	corpus := 0
	if dir := os.Getenv(CorpusEnv); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*.txlate"))
		for _, path := range files {
			for _, c := range readCorpus(t, path) {
				if cmd, err := ParseCommand(c.fam, c.args); err == nil && cmd.Rule != nil {
					rules = append(rules, cmd.Rule)
					corpus++
				}
			}
		}
	}
	matches := registered(matchGens, func(s string) bool { _, ok := matchTypes[s]; return ok })
	targets := registered(targetGens, func(s string) bool { _, ok := targetTypes[s]; return ok })
	g := &gen{rng: rand.New(rand.NewPCG(11, 0))}
	generated := 0
	for i := 0; i < 3000; i++ {
		g.fam = Family(g.rng.IntN(2))
		if cmd, err := ParseCommand(g.fam, g.generate(matches, targets)); err == nil && cmd.Rule != nil {
			rules = append(rules, cmd.Rule)
			generated++
		}
	}
	if generated < 1000 {
		t.Fatalf("only %d of 3000 generated rules parse: is the generator broken?", generated)
	}
	// The property tests' generator draws from iptables' whole grammar.
	drawn := 0
	for _, gr := range rulegen.New(13).Rules(3000) {
		fam := IPv4
		if gr.V6 {
			fam = IPv6
		}
		if r, err := Parse(fam, gr.Args); err == nil {
			rules = append(rules, r)
			drawn++
		}
	}
	if drawn < 1000 {
		t.Fatalf("only %d of 3000 rulegen rules parse", drawn)
	}
	t.Logf("%d rules: %d of the corpus, %d generated, %d of rulegen", len(rules), corpus, generated, drawn)
	var prev *Rule
	for _, r := range rules {
		if prev != nil && r.Equal(prev) != (argsKey(r) == argsKey(prev)) {
			t.Errorf("Equal(%s, %s) = %v with Keys %q and %q", r, prev, r.Equal(prev), argsKey(r), argsKey(prev))
		}
		if again, err := Parse(r.Family, r.Args()); err != nil || !r.Equal(again) || !again.Equal(r) {
			t.Errorf("%s: not Equal to its Args parsed again (%v)", r, err)
		}
		prev = r
		want := argsString(r)
		got := r.String()
		if got != want {
			t.Errorf("String\n  got  %q\n  want %q", got, want)
		}
		if got, want := r.Key(), argsKey(r); got != want {
			t.Errorf("Key of %s\n  got  %q\n  want %q", want, got, want)
		}
		for _, a := range []Addr{r.Src, r.Dst} {
			if a.Set && formatAddr(a) != addrString(a) {
				t.Errorf("%s: address written %q, want %q", want, formatAddr(a), addrString(a))
			}
		}
		split, err := SplitArgs(got)
		if err != nil || !slices.Equal(split, r.Args()) {
			t.Errorf("SplitArgs(%q) = %q (%v), want Args %q", got, split, err, r.Args())
		}
	}
}

// TestKeySortsMatches checks that Key sorts stateless matches between
// stateful ones, so that rules differing only in that order are equal,
// and that a stateful match keeps its place.
func TestKeySortsMatches(t *testing.T) {
	a, _ := ParseString(IPv4, `-m mark --mark 2 -m comment --comment b -m limit --limit 1/s -m state --state NEW -m comment --comment a`)
	b, _ := ParseString(IPv4, `-m comment --comment b -m mark --mark 2 -m limit --limit 1/s -m comment --comment a -m state --state NEW`)
	c, _ := ParseString(IPv4, `-m comment --comment b -m limit --limit 1/s -m mark --mark 2 -m comment --comment a -m state --state NEW`)
	if a == nil || b == nil || c == nil {
		t.Fatal("rules do not parse")
	}
	want := `ip -m comment --comment b -m mark --mark 0x2 -m limit --limit 1/sec -m comment --comment a -m state --state NEW`
	if got := a.Key(); got != want || b.Key() != want {
		t.Errorf("Key\n  got  %q and %q\n  want %q", got, b.Key(), want)
	}
	if c.Key() == want {
		t.Errorf("moving a match across limit kept the Key %q", want)
	}
}

// TestSpecTextConcurrent checks that String, Key and Equal, which write
// into buffers shared through a sync.Pool, give each caller its own text
// when rules are written on several goroutines at once (as the engines do
// on every CPU): a string left pointing into a pooled buffer would be
// overwritten by the next rule written there. Rules of different sizes,
// one past the largest buffer kept, make the buffers grow and be dropped.
func TestSpecTextConcurrent(t *testing.T) {
	var rules []*Rule
	for _, s := range []string{
		`-s 10.4.0.1/32 -p tcp --dport 8080 -j ACCEPT`,
		`-i wg0 -m comment --comment "` + strings.Repeat("k", 200) + `" -j DROP`,
		`-m mark --mark 0x4000/0x4000 -m comment --comment b -m comment --comment a -j MASQUERADE`,
		`-m comment --comment "` + strings.Repeat("x", 250) + `" -m comment --comment "` + strings.Repeat("y", 250) + `" -j ACCEPT`,
	} {
		r, err := ParseString(IPv4, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		rules = append(rules, r)
	}
	long := &Rule{Family: IPv4, Target: &Verdict{Kind: "ACCEPT"}}
	for range 20 {
		long.Matches = append(long.Matches, &Comment{Text: strings.Repeat("z", 250)})
	}
	if n := len(long.String()); n <= maxTextBuf {
		t.Fatalf("the long rule is %d bytes, not past maxTextBuf %d", n, maxTextBuf)
	}
	rules = append(rules, long)
	want := make([][2]string, len(rules))
	for i, r := range rules {
		want[i] = [2]string{argsString(r), argsKey(r)}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 300 {
				i := (g + n) % len(rules)
				r, o := rules[i], rules[(i+1)%len(rules)]
				s, k := r.String(), r.Key()
				if !r.Equal(r) || r.Equal(o) || s != want[i][0] || k != want[i][1] {
					errs <- fmt.Sprintf("rule %d: String %q, Key %q, Equal to itself %v, to the next %v", i, s, k, r.Equal(r), r.Equal(o))
					return
				}
				// Both texts still read the same after other rules were
				// written: neither points into a pooled buffer.
				defer func() {
					if s != want[i][0] || k != want[i][1] {
						select {
						case errs <- fmt.Sprintf("rule %d: its text changed after other rules were written: %q, %q", i, s, k):
						default:
						}
					}
				}()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
