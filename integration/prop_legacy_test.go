package integration

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/internal/rulegen"
)

// The property test keeps only the rules iptables-legacy accepts: parsed by
// iptables-legacy-restore and checked by the kernel (checkentry: tables,
// hooks, option values, loaded extensions).

// restoreFailedLine finds the line iptables-restore names in its error:
// "Error occurred at line: N" for a rule it could not parse, "line N
// failed" for a table the kernel refused (N is then the COMMIT line).
var restoreFailedLine = regexp.MustCompile(`(?:Error occurred at line: |line )(\d+)`)

// legacyRestore loads rules (one family) into the namespace with
// iptables-legacy-restore; it returns the line the restore failed at (0 if
// none could be found) and the output, or ok.
func legacyRestore(ns *netnstest.NS, v6 bool, f rulegen.File) (ok bool, line int, out string) {
	bin := "iptables-legacy-restore"
	if v6 {
		bin = "ip6tables-legacy-restore"
	}
	cmd := exec.Command("ip", "netns", "exec", ns.Name, bin)
	cmd.Stdin = strings.NewReader(f.Text)
	b, err := cmd.CombinedOutput()
	if err == nil {
		return true, 0, ""
	}
	if m := restoreFailedLine.FindStringSubmatch(string(b)); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return false, line, string(b)
}

// legacyFilter returns the rules iptables-legacy accepts, in their order,
// and for each refused rule the first line of iptables' reason. It restores
// the whole list at once; a line iptables could not parse is dropped and
// the rest restored again; a table the kernel refused is bisected.
func legacyFilter(t *testing.T, ns *netnstest.NS, rules []rulegen.Rule) (kept []rulegen.Rule, refused map[string]int) {
	t.Helper()
	refused = map[string]int{}
	var keep func(rs []rulegen.Rule, v6 bool) []rulegen.Rule
	keep = func(rs []rulegen.Rule, v6 bool) []rulegen.Rule {
		for len(rs) > 0 {
			f := rulegen.NewFile(rs)
			ok, line, out := legacyRestore(ns, v6, f)
			if ok {
				return rs
			}
			bad := -1
			for i, l := range f.Lines {
				if l == line {
					bad = i
				}
			}
			if bad >= 0 {
				refused[legacyReason(rs[bad], out)]++
				rs = append(rs[:bad:bad], rs[bad+1:]...)
				continue
			}
			if len(rs) == 1 {
				refused[legacyReason(rs[0], out)]++
				return nil
			}
			// The kernel refused a table: bisect.
			h := len(rs) / 2
			return append(keep(rs[:h:h], v6), keep(rs[h:], v6)...)
		}
		return nil
	}
	for _, v6 := range []bool{false, true} {
		var fam []rulegen.Rule
		for _, r := range rules {
			if r.V6 == v6 {
				fam = append(fam, r)
			}
		}
		kept = append(kept, keep(fam, v6)...)
	}
	return kept, refused
}

// legacyReason names the extension of r that iptables most likely refused,
// for the report: the first "Warning"/error line, without numbers.
func legacyReason(r rulegen.Rule, out string) string {
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "Try `") || strings.HasPrefix(l, "Error occurred") {
			continue
		}
		l = strings.TrimPrefix(l, "iptables-restore v1.8.9 (legacy): ")
		l = strings.TrimPrefix(l, "ip6tables-restore v1.8.9 (legacy): ")
		if strings.HasSuffix(l, "(legacy):") {
			continue
		}
		if strings.Contains(l, "line ") && strings.Contains(l, "failed") {
			l = "kernel refused (" + strings.Join(r.Exts, " ") + ")"
		}
		return digits.ReplaceAllString(l, "N")
	}
	return "unknown"
}

var digits = regexp.MustCompile(`\d+`)
