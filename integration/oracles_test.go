package integration

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// The oracles: how the tests look at the kernel, with the tools other
// firewall users have (nft, iptables, iptables-save) and the generation.

// sortedRuleset sorts the tables of an nft listing, and the chains (sets,
// maps) inside each table; every block keeps its own lines in order.
func sortedRuleset(listing string) string {
	var tables []string
	for _, tbl := range blocks(strings.Split(strings.TrimSuffix(listing, "\n"), "\n"), "") {
		if len(tbl) < 2 {
			tables = append(tables, tbl...)
			continue
		}
		head, body := tbl[0], tbl[1:len(tbl)-1]
		var inner []string
		for _, b := range blocks(body, "\t") {
			inner = append(inner, strings.Join(b, "\n"))
		}
		sort.Strings(inner)
		tables = append(tables, head+"\n"+strings.Join(inner, "\n\n")+"\n}")
	}
	sort.Strings(tables)
	return strings.Join(tables, "\n") + "\n"
}

// blocks splits lines into the blocks that open at indent with a line
// ending in "{" and close at the same indent with "}"; blank lines between
// blocks are dropped, other lines outside blocks are blocks of their own.
func blocks(lines []string, indent string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range lines {
		switch {
		case cur != nil:
			cur = append(cur, l)
			if l == indent+"}" {
				out, cur = append(out, cur), nil
			}
		case strings.TrimSpace(l) == "":
		case strings.HasSuffix(l, "{") && strings.HasPrefix(l, indent) && !strings.HasPrefix(l, indent+"\t"):
			cur = []string{l}
		default:
			out = append(out, []string{l})
		}
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// save runs iptables-save (ip6tables-save when v6) inside ns, for one
// table or all, and drops the comment lines that carry a date.
func save(t *testing.T, ns *netnstest.NS, v6 bool, table string) string {
	t.Helper()
	cmd := "iptables-save"
	if v6 {
		cmd = "ip6tables-save"
	}
	var args []string
	if table != "" {
		args = []string{"-t", table}
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(ns.Exec(cmd, args...), "\n") {
		if !strings.HasPrefix(l, "#") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// ipt runs iptables (ip6tables when v6) inside ns.
func ipt(t *testing.T, ns *netnstest.NS, v6 bool, args ...string) {
	t.Helper()
	cmd := "iptables"
	if v6 {
		cmd = "ip6tables"
	}
	ns.Exec(cmd, append([]string{"-w"}, args...)...)
}

// iptRule returns rule n (1-based) of chain as iptables -S prints it,
// split into arguments, without the leading "-A CHAIN".
func iptRule(t *testing.T, ns *netnstest.NS, v6 bool, table, chain string, n int) []string {
	t.Helper()
	cmd := "iptables"
	if v6 {
		cmd = "ip6tables"
	}
	var rules [][]string
	for _, l := range strings.Split(ns.Exec(cmd, "-w", "-t", table, "-S", chain), "\n") {
		if args := splitArgs(l); len(args) > 2 && args[0] == "-A" {
			rules = append(rules, args[2:])
		}
	}
	if n < 1 || n > len(rules) {
		t.Fatalf("%s -t %s -S %s: no rule %d (%d rules)", cmd, table, chain, n, len(rules))
	}
	return rules[n-1]
}

// splitArgs splits a line of iptables -S output into arguments, honouring
// the double quotes iptables puts around comments.
func splitArgs(line string) []string {
	var args []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && inQuote && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case c == '"':
			inQuote, have = !inQuote, true
		case c == ' ' && !inQuote:
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}

// nftRule is one rule of an nftables chain as `nft -a list chain` prints it.
type nftRule struct {
	Handle int
	Text   string // without the "# handle N" comment
}

var handleRE = regexp.MustCompile(`^\s*(.*\S)\s+# handle (\d+)$`)

// nftRules lists the rules of an nftables chain with their handles.
func nftRules(t *testing.T, ns *netnstest.NS, family, table, chain string) []nftRule {
	t.Helper()
	var rules []nftRule
	for _, l := range strings.Split(ns.Exec("nft", "-a", "list", "chain", family, table, chain), "\n") {
		m := handleRE.FindStringSubmatch(l)
		if m == nil || strings.HasPrefix(m[1], "table ") || strings.HasPrefix(m[1], "chain ") {
			continue
		}
		h, _ := strconv.Atoi(m[2])
		rules = append(rules, nftRule{Handle: h, Text: m[1]})
	}
	if len(rules) == 0 {
		t.Fatalf("nft chain %s %s %s has no rules", family, table, chain)
	}
	return rules
}

// ownedTable is the nftables table the nftables backend keeps an iptables
// table in.
func ownedTable(table string) string { return owner + "-" + table }

// generation reads the namespace's nftables ruleset generation: every
// committed change, by anyone, increments it.
func generation(t *testing.T, ns *netnstest.NS) uint32 {
	t.Helper()
	conn, done := nsConn(t, ns)
	defer done()
	g, err := conn.GetGen()
	if err != nil {
		t.Fatalf("GetGen in %s: %v", ns, err)
	}
	return g.ID
}

// nsConn is a google/nftables connection into the namespace; the caller
// calls done when finished with it (the namespace handle stays open until
// then: every call of a non-lasting connection opens a socket in it).
func nsConn(t *testing.T, ns *netnstest.NS) (conn *nftables.Conn, done func()) {
	t.Helper()
	h := ns.Handle()
	conn, err := nftables.New(nftables.WithNetNSFd(int(h)))
	if err != nil {
		h.Close()
		t.Fatalf("nftables.New: %v", err)
	}
	return conn, func() { h.Close() }
}

// iptablesIsNFT reports whether the iptables binary is the nf_tables one,
// whose changes show in the nftables generation.
func iptablesIsNFT(t *testing.T, ns *netnstest.NS) bool {
	t.Helper()
	return strings.Contains(ns.Exec("iptables", "--version"), "nf_tables")
}

// lineDiff shows the lines only in a and only in b.
func lineDiff(a, b string) string {
	return diffKeys(strings.Split(a, "\n"), strings.Split(b, "\n"))
}
