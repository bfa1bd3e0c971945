package compat

import (
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestExecCount counts the processes through wrapper scripts: the first
// Apply reads each family's version once; a no-op Apply runs one
// iptables-save per family and table in use and nothing else; a
// repair adds one iptables-restore (--noflush) per family that changed, and
// one in a scratch namespace (--noflush -c) per family holding a changed
// table other than the one whose change is made first.
func TestExecCount(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		dir, log := wrapDir(t, mode)
		var obs firewall.Counter
		b := newBackend(t, ns, mode, WithBinDir(dir), WithObserver(&obs))
		rs := kiloRuleset(t) // ip filter, ip nat, ip6 filter
		apply(t, b, rs)
		if got := execLog(t, log); len(got) == 0 || obs.Get("exec") != len(got) {
			t.Errorf("first Apply: observer counted %d execs, wrappers logged %d: %q", obs.Get("exec"), len(got), got)
		}
		// The version is read once per family, on its first use.
		var versions []string
		for _, c := range execLog(t, log) {
			if strings.HasSuffix(c, " --version") {
				versions = append(versions, c)
			}
		}
		sort.Strings(versions)
		if want := []string{"ip6tables-" + mode + " --version", "iptables-" + mode + " --version"}; !reflect.DeepEqual(versions, want) {
			t.Errorf("first Apply read the versions with %q, want %q", versions, want)
		}
		saves := []string{
			"ip6tables-" + mode + "-save -c -t filter",
			"iptables-" + mode + "-save -c -t filter",
			"iptables-" + mode + "-save -c -t nat",
		}
		restores := func(base string) []string {
			return []string{base + "-" + mode + "-restore --noflush -c -w", base + "-" + mode + "-restore --noflush -w"}
		}
		check := func(what string, want []string) {
			t.Helper()
			got := execLog(t, log)
			sort.Strings(got)
			sort.Strings(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s ran %q, want %q", what, got, want)
			}
			if err := os.Remove(log); err != nil {
				t.Fatal(err)
			}
		}
		_ = os.Remove(log)
		before := obs.Get("exec")
		for i := 0; i < 3; i++ {
			apply(t, b, rs)
		}
		check("three no-op Applies", append(append(append([]string(nil), saves...), saves...), saves...))
		if got := obs.Get("exec") - before; got != 9 {
			t.Errorf("observer counted %d execs for three no-op Applies, want 9", got)
		}

		ipt(t, ns, mode, rule.IPv4, "-D", "NFTSYNC-IN", "1")
		ipt(t, ns, mode, rule.IPv4, "-t", "nat", "-F", "KILO-NAT")
		_ = os.Remove(log)
		apply(t, b, rs)
		check("a repair of two IPv4 tables", append(append([]string(nil), saves...), restores("iptables")...))

		rs.Chains = append(rs.Chains, chain(t, rule.IPv6, "filter", "FORWARD", `-d fd00::/64 -j ACCEPT`))
		rs.Chains[1].Rules = rs.Chains[1].Rules[:1]
		apply(t, b, rs)
		// The biggest table's section (ip filter) runs first, unchecked.
		check("a change in both families", append(append(append([]string(nil), saves...),
			"iptables-"+mode+"-restore --noflush -w"), restores("ip6tables")...))
		if got := obs.Get("check"); got != 4 {
			t.Errorf("observer counted %d scratch checks, want 4 (2 for the first Apply's 3 tables, 1 for nat, 1 for ip6)", got)
		}

		// Plan only reads.
		_, err := b.Plan(t.Context(), &firewall.Ruleset{})
		if err != nil {
			t.Fatal(err)
		}
		check("Plan of an empty ruleset", saves)
	})
}

// TestExecCountLarge: the bound holds for a thousand rules too.
func TestExecCountLarge(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		dir, log := wrapDir(t, mode)
		b := newBackend(t, ns, mode, WithBinDir(dir))
		var specs []string
		for i := 0; i < 1000; i++ {
			specs = append(specs, "-s 10.1."+strconv.Itoa(i/250)+"."+strconv.Itoa(i%250+1)+" -p tcp --dport "+strconv.Itoa(1000+i)+" -j ACCEPT")
		}
		c := chain(t, rule.IPv4, "filter", "BIG", specs...)
		rs := &firewall.Ruleset{Chains: []*firewall.Chain{c, chain(t, rule.IPv4, "filter", "INPUT", "-j BIG")}}
		apply(t, b, rs)
		checkState(t, ns, mode, rs)
		_ = os.Remove(log)
		apply(t, b, rs)
		if got := execLog(t, log); len(got) != 1 || !strings.Contains(got[0], "-save -c -t filter") {
			t.Errorf("no-op Apply of 1001 rules ran %q, want one iptables-save", got)
		}
		// Reverse the chain: still one restore; one table needs no check.
		for i, j := 0, len(c.Rules)-1; i < j; i, j = i+1, j-1 {
			c.Rules[i], c.Rules[j] = c.Rules[j], c.Rules[i]
		}
		_ = os.Remove(log)
		apply(t, b, rs)
		if got := execLog(t, log); len(got) != 2 {
			t.Errorf("reversing 1000 rules ran %q, want one save and one restore", got)
		}
		checkState(t, ns, mode, rs)
	})
}
