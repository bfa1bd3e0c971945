package rule

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestTranslateExprs checks that TranslateExprs builds what Translate does,
// statement by statement, only without the texts: over a few rules of its
// own and, when the corpus is there, every rule of the tier 1 corpus.
func TestTranslateExprs(t *testing.T) {
	rules := []*Rule{}
	for _, tc := range []struct {
		fam  Family
		args string
	}{
		{IPv4, `-s 10.4.0.1/32 -p tcp --dport 8080 -m comment --comment "Kilo: rule 1" -j ACCEPT`},
		{IPv4, `! -s 10.4.0.0/16 -d 10.5.0.0/255.255.0.255 -p udp --sport 1:1024 -j DROP`},
		{IPv6, `-s fd00::/7 -p tcp ! --sport 22 ! --dport 80 -j RETURN`},
		{IPv4, `-p tcp -m multiport --dports 22,80,443 -j KUBE-SVC`},
		{IPv4, `-o eth0 -p tcp -j MASQUERADE --to-ports 10-20`},
	} {
		r, err := ParseString(tc.fam, tc.args)
		if err != nil {
			t.Fatalf("parsing %q: %v", tc.args, err)
		}
		rules = append(rules, r)
	}
	if dir := os.Getenv(CorpusEnv); dir != "" {
		for _, f := range tier1 {
			for _, c := range readCorpus(t, filepath.Join(dir, f+".txlate")) {
				cmd, err := ParseCommand(c.fam, c.args)
				if err == nil && cmd.Rule != nil {
					rules = append(rules, cmd.Rule)
				}
			}
		}
	}
	for _, r := range rules {
		full, errFull := r.Translate()
		bare, errBare := r.TranslateExprs()
		if (errFull == nil) != (errBare == nil) {
			t.Errorf("%s: Translate error %v, TranslateExprs error %v", r, errFull, errBare)
			continue
		}
		if errFull != nil {
			continue
		}
		want := *full
		want.Stmts = append([]Stmt(nil), full.Stmts...)
		for i := range want.Stmts {
			want.Stmts[i].Text = ""
		}
		if !reflect.DeepEqual(&want, bare) {
			t.Errorf("%s: TranslateExprs\n%+v\nwant Translate without texts\n%+v", r, bare, &want)
		}
	}
}

func BenchmarkTranslateExprs(b *testing.B) {
	r, _ := Parse(IPv4, benchArgs)
	for i := 0; i < b.N; i++ {
		_, _ = r.TranslateExprs()
	}
}
