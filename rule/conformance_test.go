package rule

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// CorpusEnv names the directory holding netfilter's *.txlate files.
const CorpusEnv = "NFTSYNC_TXLATE_DIR"

// RequireCorpusEnv, when set (.ci/run sets it, as does CI), turns the
// corpus tests' skip into a failure when CorpusEnv is not set: a bare clone
// skips them, CI cannot.
const RequireCorpusEnv = "NFTSYNC_REQUIRE_CORPUS"

// corpusDir returns the corpus directory, or skips the test (fails it
// under RequireCorpusEnv or CI) when there is none.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(CorpusEnv)
	if dir == "" {
		const msg = "%s is not set: point it at netfilter's txlate corpus (../shared/conformance/txlate, or the extensions/ directory of an iptables checkout)"
		if os.Getenv(RequireCorpusEnv) != "" || os.Getenv("CI") != "" {
			t.Fatalf(msg+"; %s is set", CorpusEnv, RequireCorpusEnv)
		}
		t.Skipf(msg, CorpusEnv)
	}
	return dir
}

// tier1 are the corpus files whose every iptables line must translate byte
// for byte.
var tier1 = []string{
	"generic", "libxt_comment", "libxt_tcp", "libxt_udp", "libxt_multiport",
	"libxt_conntrack", "libxt_mark", "libxt_MARK", "libxt_addrtype",
	"libipt_icmp", "libip6t_icmp6", "libipt_REJECT", "libip6t_REJECT",
	"libipt_LOG", "libip6t_LOG", "libipt_MASQUERADE", "libip6t_MASQUERADE",
	"libipt_SNAT", "libip6t_SNAT", "libxt_DNAT", "libxt_limit",
	"libxt_iprange", "libxt_TCPMSS", "libxt_NOTRACK", "libxt_sctp",
	"libxt_REDIRECT", "libxt_CONNMARK", "libxt_connmark", "libxt_pkttype",
	"libxt_length", "libxt_NFLOG",
}

// corpusCase is one iptables line of the corpus and the output expected.
type corpusCase struct {
	file string
	line int
	fam  Family
	args []string
	want string
}

// readCorpus returns the iptables/ip6tables cases of one .txlate file;
// arptables and ebtables lines are not ours and are skipped.
func readCorpus(t *testing.T, path string) []corpusCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusCase
	var cur *corpusCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.TrimSpace(line) == "":
			cur = nil
		case cur != nil:
			if cur.want != "" {
				cur.want += "\n"
			}
			cur.want += line
		default:
			args, err := SplitArgs(line)
			if err != nil || len(args) == 0 {
				t.Fatalf("%s:%d: cannot split: %v", path, n, err)
			}
			c := corpusCase{file: filepath.Base(path), line: n, args: args[1:]}
			switch strings.TrimSuffix(args[0], "-translate") {
			case "iptables":
				c.fam = IPv4
			case "ip6tables":
				c.fam = IPv6
			default:
				cur = &corpusCase{} // another tool's case: read and drop
				continue
			}
			out = append(out, c)
			cur = &out[len(out)-1]
		}
	}
	return out
}

// translateLine is what `nftsync translate` does with one command line.
func translateLine(c corpusCase) (string, error) {
	cmd, err := ParseCommand(c.fam, c.args)
	if err != nil {
		return "", err
	}
	return cmd.Translate()
}

func TestConformance(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.txlate"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.txlate files in %s (%v)", dir, err)
	}
	sort.Strings(files)
	isTier1 := map[string]bool{}
	for _, f := range tier1 {
		isTier1[f+".txlate"] = true
	}
	var tierOK, tierAll, restOK, restAll int
	var report []string
	for _, path := range files {
		cases := readCorpus(t, path)
		if len(cases) == 0 {
			continue
		}
		name := filepath.Base(path)
		ok := 0
		for _, c := range cases {
			got, err := translateLine(c)
			if err == nil && got == c.want {
				ok++
				continue
			}
			if isTier1[name] {
				if err != nil {
					t.Errorf("%s:%d: %s\n  error: %v\n  want:  %s", name, c.line, strings.Join(c.args, " "), err, c.want)
				} else {
					t.Errorf("%s:%d: %s\n  got:  %s\n  want: %s", name, c.line, strings.Join(c.args, " "), got, c.want)
				}
			}
		}
		if isTier1[name] {
			tierOK, tierAll = tierOK+ok, tierAll+len(cases)
		} else {
			restOK, restAll = restOK+ok, restAll+len(cases)
		}
		tag := "      "
		if isTier1[name] {
			tag = "tier-1"
		}
		report = append(report, strings.TrimSpace(tag+" "+name+": ")+" "+itoa(ok)+"/"+itoa(len(cases)))
	}
	for _, f := range tier1 {
		if _, err := os.Stat(filepath.Join(dir, f+".txlate")); err != nil {
			t.Errorf("tier-1 corpus file %s.txlate is missing from %s", f, dir)
		}
	}
	t.Logf("per-file agreement:\n%s", strings.Join(report, "\n"))
	t.Logf("tier-1: %d/%d byte-identical; rest of the corpus: %d/%d", tierOK, tierAll, restOK, restAll)
}

func itoa(n int) string { return strconv.Itoa(n) }
