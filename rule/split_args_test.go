package rule

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// splitArgsBuilder is SplitArgs as it was before it returned substrings:
// every argument built byte by byte. It is the reference SplitArgs must
// agree with.
func splitArgsBuilder(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inArg := false
	var quote byte
	escaped := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			cur.WriteByte(c)
			escaped = false
		case c == '\\' && quote != '\'':
			escaped, inArg = true, true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, inArg = c, true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inArg {
				out = append(out, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, &ParseError{Reason: "unterminated quote"}
	}
	if escaped {
		return nil, &ParseError{Reason: "trailing backslash"}
	}
	if inArg {
		out = append(out, cur.String())
	}
	return out, nil
}

// TestSplitArgsAsBuilder compares SplitArgs with the reference on lines
// made of the bytes that matter (quotes, backslashes, white space) and
// plain ones, and on every rule text of TestSpecText's hand-made rules.
func TestSplitArgsAsBuilder(t *testing.T) {
	lines := []string{"", " ", "a", ` a  b `, `""`, `''`, `a""b`, `"a b"c d`, `a\ b`, `'\'`, `"\""`, `a\`, `"a`, "x\xff \"\xfe y\""}
	for _, c := range specTextRules {
		if r, err := ParseString(c.fam, c.args); err == nil {
			lines = append(lines, r.String(), c.args)
		}
	}
	const alphabet = "ab \t\n\r\"'\\-\xff"
	rng := rand.New(rand.NewPCG(3, 0))
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		lines = append(lines, string(b))
	}
	for _, l := range lines {
		got, gotErr := SplitArgs(l)
		want, wantErr := splitArgsBuilder(l)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) ||
			!slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q, %v", l, got, gotErr, want, wantErr)
		}
	}
}

func BenchmarkSplitArgs(b *testing.B) {
	line := `-s 10.4.0.1/32 -p tcp -m tcp --dport 8080 -m comment --comment "Kilo: rule 1" -j ACCEPT`
	for i := 0; i < b.N; i++ {
		if _, err := SplitArgs(line); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzSplitArgs compares SplitArgs with the reference on any line.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add(`a\ "b 'c" d'e f'\`)
	f.Fuzz(func(t *testing.T, s string) {
		got, gotErr := SplitArgs(s)
		want, wantErr := splitArgsBuilder(s)
		if (gotErr == nil) != (wantErr == nil) || !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("SplitArgs(%q) = %q, %v; want %q, %v", s, got, gotErr, want, wantErr)
		}
	})
}
