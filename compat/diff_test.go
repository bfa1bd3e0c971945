package compat

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/rule"
)

var parsedStub = &rule.Rule{}

// chainOf builds a chain from a compact spec: upper-case letters are owned
// rules, lower-case ones foreign.
func chainOf(s string) []entry {
	var out []entry
	for i, c := range s {
		k := string(c)
		out = append(out, entry{key: strings.ToUpper(k), text: k, owned: c >= 'A' && c <= 'Z', orig: i})
	}
	return out
}

func wantsOf(s string) []string {
	var out []string
	for _, c := range s {
		out = append(out, string(c))
	}
	return out
}

// textOf is an entry's letter: its saved text, or for an added rule its
// key (the desired rule's letter).
func textOf(e entry) string {
	if e.orig < 0 {
		return e.key
	}
	return e.text
}

// simulate runs the ops as iptables would on a chain of texts.
func simulate(t *testing.T, cur []entry, ops []chainOp) string {
	t.Helper()
	var chain []string
	for _, e := range cur {
		chain = append(chain, e.text)
	}
	for _, op := range ops {
		if op.del {
			if op.pos < 1 || op.pos > len(chain) {
				t.Fatalf("-D %d on a chain of %d rules", op.pos, len(chain))
			}
			chain = append(chain[:op.pos-1], chain[op.pos:]...)
			continue
		}
		if op.pos < 1 || op.pos > len(chain)+1 {
			t.Fatalf("-I %d on a chain of %d rules", op.pos, len(chain))
		}
		chain = append(chain[:op.pos-1], append([]string{textOf(op.e)}, chain[op.pos-1:]...)...)
	}
	return strings.Join(chain, "")
}

func TestDiffChain(t *testing.T) {
	tests := []struct {
		name      string
		cur, want string
		head      int // how many of want are prepended
		result    string
		ops       int
	}{
		{"empty to rules", "", "ABC", 3, "ABC", 3},
		{"no-op", "ABC", "ABC", 3, "ABC", 0},
		{"no-op between foreign rules", "xAyBzC", "ABC", 3, "xAyBzC", 0},
		{"new rules go to the top", "xy", "AB", 2, "ABxy", 2},
		{"append after the last owned", "Axy", "AB", 2, "ABxy", 1},
		{"prepend before the first kept", "xAy", "BA", 2, "xBAy", 1},
		{"delete unwanted", "xAByC", "AC", 2, "xAyC", 1},
		{"delete all", "AxB", "", 0, "x", 2},
		{"moved rule", "CAB", "ABC", 3, "ABC", 2},
		{"swap", "BA", "AB", 2, "AB", 2},
		{"duplicates", "AAB", "ABA", 3, "ABA", 2},
		{"foreign twin untouched", "aA", "", 0, "a", 1},
		{"middle insert", "AC", "ABC", 3, "ABC", 1},
		{"fresh: prepended at the top, appended at the end", "xy", "AB", 1, "AxyB", 2},
		{"fresh: all appended", "xy", "AB", 0, "xyAB", 2},
		{"fresh: all prepended", "xy", "AB", 2, "ABxy", 2},
		{"appended rule before the kept appended one", "xAy", "BA", 0, "xBAy", 1},
		{"appended rule after the kept appended one", "xAy", "AB", 0, "xABy", 1},
		{"foreign rule appended after ours stays after", "AxBCy", "ABC", 1, "AxBCy", 0},
		{"prepended rule after the kept prepended one", "xAyBz", "ACB", 2, "xACyBz", 1},
		{"only appended rules stay: prepended at the top", "xByC", "ABC", 1, "AxByC", 1},
		{"no appended rule stays: appended at the end", "xAy", "ABC", 1, "xAyBC", 2},
		{"appended leading run before the first kept appended", "xAyDz", "ABCD", 1, "xAyBCDz", 2},
		{"prepended run stops at head", "Ax", "ABC", 2, "ABxC", 2},
		{"prepended run at the top, appended rule kept", "xCy", "ABC", 2, "ABxCy", 2},
		{"user chain: desired order whatever head", "CA", "ABCD", 1, "ABCD", 4},
		{"moved across head", "xBAy", "AB", 1, "xAyB", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := chainOf(tc.cur)
			ops, final := diffChain(cur, wantsOf(tc.want), tc.head)
			if got := simulate(t, chainOf(tc.cur), ops); got != tc.result {
				t.Errorf("simulated result %q, want %q", got, tc.result)
			}
			var fs []string
			for _, e := range final {
				fs = append(fs, textOf(e))
			}
			if got := strings.Join(fs, ""); got != tc.result {
				t.Errorf("predicted result %q, want %q", got, tc.result)
			}
			if len(ops) != tc.ops {
				t.Errorf("%d ops, want %d", len(ops), tc.ops)
			}
		})
	}
}

// TestDiffChainRandom checks on random chains and heads that the result
// always holds exactly the desired owned rules in order, foreign rules
// unchanged in relative order, that the prediction matches the simulation,
// and that on a chain holding no owned rule yet prepended rules end up
// before every foreign rule and appended ones after them (as iptables -I 1
// and -A would put them).
func TestDiffChainRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	letters := "ABCDEabcde"
	for n := 0; n < 4000; n++ {
		var cs, ws []byte
		for i := rng.Intn(10); i > 0; i-- {
			cs = append(cs, letters[rng.Intn(len(letters))])
		}
		for i := rng.Intn(8); i > 0; i-- {
			ws = append(ws, letters[rng.Intn(5)])
		}
		head := rng.Intn(len(ws) + 1)
		cur := chainOf(string(cs))
		ops, final := diffChain(cur, wantsOf(string(ws)), head)
		got := simulate(t, chainOf(string(cs)), ops)
		var pred []byte
		for _, e := range final {
			pred = append(pred, textOf(e)...)
		}
		if got != string(pred) {
			t.Fatalf("cur %q want %q head %d: simulated %q, predicted %q", cs, ws, head, got, pred)
		}
		var owned, foreign, foreignBefore []byte
		var ownedAt []int // where each owned rule ends up
		firstForeign, lastForeign := len(got), -1
		for i, c := range []byte(got) {
			if c >= 'A' && c <= 'Z' {
				owned = append(owned, c)
				ownedAt = append(ownedAt, i)
			} else {
				foreign = append(foreign, c)
				firstForeign, lastForeign = min(firstForeign, i), i
			}
		}
		fresh := true // no owned rule in cur
		for _, c := range cs {
			if c >= 'a' {
				foreignBefore = append(foreignBefore, c)
			} else {
				fresh = false
			}
		}
		if string(owned) != string(ws) {
			t.Fatalf("cur %q want %q head %d: owned rules end up %q", cs, ws, head, owned)
		}
		if !reflect.DeepEqual(foreign, foreignBefore) {
			t.Fatalf("cur %q want %q head %d: foreign rules %q became %q", cs, ws, head, foreignBefore, foreign)
		}
		for j, at := range ownedAt {
			if fresh && (j < head && at > firstForeign || j >= head && at < lastForeign) {
				t.Fatalf("cur %q want %q head %d: fresh chain became %q (owned rule %d at %d)", cs, ws, head, got, j, at)
			}
		}
	}
}

func TestClaim(t *testing.T) {
	tests := []struct {
		name  string
		chain string // one letter a rule, lower case: does not parse
		owned string // owned keys in desired order
		want  string // 1 where owned
	}{
		{"only parsed rules", "aABA", "AB", "0110"},
		{"nothing owned", "AB", "", "00"},
		{"fewer copies than owned", "BA", "AAB", "11"},
		{"equal copy of another owner above", "XAYAB", "AB", "00011"},
		{"equal copy of another owner below", "BAYA", "BA", "1100"},
		{"between the owned rules before and after", "AXBXC", "ABC", "10101"},
		{"nearest the owned rule before", "CBXB", "CB", "1100"},
		{"first owned rule: nearest the one after", "BXBC", "BC", "0011"},
		{"after the owned rule before", "BCXB", "CB", "0101"},
		{"no fit between neighbours: nearest the gap", "BBC", "CB", "011"},
		{"two copies owned of three", "BBXB", "BB", "1100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rules []savedRule
			for _, c := range tt.chain {
				r := savedRule{key: strings.ToUpper(string(c))}
				if c >= 'A' && c <= 'Z' {
					r.spec = parsedStub
				}
				rules = append(rules, r)
			}
			var owned []string
			for _, c := range tt.owned {
				owned = append(owned, string(c))
			}
			var got strings.Builder
			for _, o := range claim(rules, owned) {
				if o {
					got.WriteByte('1')
				} else {
					got.WriteByte('0')
				}
			}
			if got.String() != tt.want {
				t.Errorf("claim(%s, %s) = %s, want %s", tt.chain, tt.owned, got.String(), tt.want)
			}
		})
	}
}
