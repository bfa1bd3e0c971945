package integration

import (
	"errors"
	"os/exec"
	"regexp"
	"slices"
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
// iptables-legacy-restore, after emptying every table: what an earlier
// restore left must not decide (a -m rateest is valid only while a RATEEST
// rule made its estimator). It returns the line the restore failed at (0
// if none could be found) and the output, or ok.
func legacyRestore(ns *netnstest.NS, v6 bool, f rulegen.File) (ok bool, line int, out string) {
	bin := "iptables-legacy-restore"
	if v6 {
		bin = "ip6tables-legacy-restore"
	}
	var empty strings.Builder
	for _, table := range rulegen.Tables {
		empty.WriteString("*" + table + "\nCOMMIT\n")
	}
	for _, text := range []string{empty.String(), f.Text} {
		cmd := exec.Command("ip", "netns", "exec", ns.Name, bin)
		cmd.Stdin = strings.NewReader(text)
		if b, err := cmd.CombinedOutput(); err != nil {
			return restoreFailure(b)
		}
	}
	return true, 0, ""
}

// restoreFailure reads a failed restore's output.
func restoreFailure(b []byte) (ok bool, line int, out string) {
	if m := restoreFailedLine.FindStringSubmatch(string(b)); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return false, line, string(b)
}

// legacyFilter returns the rules iptables-legacy accepts, in their order,
// and the refusals by class (the first line of iptables' reason). It
// restores chunks of the list at once. A line iptables could not parse is
// dropped and the rest restored again; rules of an extension the kernel
// lacks (iptables warns) are all dropped at once; a table the kernel
// refused otherwise is bisected.
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
			if missing := missingExtensions(out); len(missing) > 0 {
				rest := rs[:0:0]
				for _, r := range rs {
					if usesAny(r, missing) {
						refused[legacyReason(r, out)]++
					} else {
						rest = append(rest, r)
					}
				}
				if len(rest) < len(rs) {
					rs = rest
					continue
				}
			}
			if i := slices.Index(f.Lines, line); i >= 0 && line > 0 {
				refused[legacyReason(rs[i], out)]++
				rs = slices.Delete(slices.Clone(rs), i, i+1)
				continue
			}
			if len(rs) == 1 {
				refused[legacyReason(rs[0], out)]++
				return nil
			}
			// The kernel refused a table: bisect its rules, keep the
			// others' as they are checked again.
			table, known := f.Commits[line]
			var in, others []rulegen.Rule
			for _, r := range rs {
				if !known || r.Table == table {
					in = append(in, r)
				} else {
					others = append(others, r)
				}
			}
			if len(in) == 1 {
				refused[legacyReason(in[0], out)]++
				rs = others
				continue
			}
			h := len(in) / 2
			return append(append(keep(in[:h:h], v6), keep(in[h:], v6)...), keep(others, v6)...)
		}
		return nil
	}
	// Chunks are filtered alone, so that every dropped line costs a
	// restore of its chunk only. Rules can conflict, which bisection does
	// not see (a rule that needs an input device in the user chain and a
	// jump to it from OUTPUT; two hashlimit rules of one name): what was
	// kept is checked as a whole, and conflicts dropped.
	const chunk = 50
	for _, v6 := range []bool{false, true} {
		var fam []rulegen.Rule
		for rest := familyRules(rules, v6); len(rest) > 0; {
			n := min(chunk, len(rest))
			fam = append(fam, keep(rest[:n:n], v6)...)
			rest = rest[n:]
		}
		fam = dropConflicts(fam, func(rs []rulegen.Rule) error {
			if ok, _, out := legacyRestore(ns, v6, rulegen.NewFile(rs)); !ok {
				return errors.New(out)
			}
			return nil
		}, func(r rulegen.Rule, err error) { refused["with the other rules: "+legacyReason(r, err.Error())]++ })
		kept = append(kept, fam...)
	}
	return kept, refused
}

// missingExtension is iptables' warning for an extension the kernel lacks.
var missingExtension = regexp.MustCompile(`Warning: Extension (\S+) revision \d+ not supported`)

func missingExtensions(out string) []string {
	var names []string
	for _, m := range missingExtension.FindAllStringSubmatch(out, -1) {
		names = append(names, m[1])
	}
	return names
}

// usesAny says whether r uses one of the named extensions.
func usesAny(r rulegen.Rule, names []string) bool {
	for _, e := range r.Exts {
		if slices.Contains(names, e[2:]) {
			return true
		}
	}
	return false
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
