package rule

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/nftsync/nftsync/internal/rulegen"
)

// TestUserDataAsAppendString checks that UserData builds what
// userdata.AppendString builds, for comments of every length class
// (including those whose length with the NUL no longer fits the byte).
func TestUserDataAsAppendString(t *testing.T) {
	for _, n := range []int{0, 1, 40, 127, 128, 254, 255, 256, 300} {
		c := strings.Repeat("c", n)
		tr := &Translation{Comment: c, Commented: true}
		if got, want := tr.UserData(), userdata.AppendString(nil, userdata.TypeComment, c); !bytes.Equal(got, want) {
			t.Errorf("comment of %d bytes: UserData %x, want %x", n, got, want)
		}
	}
	if ud := (&Translation{}).UserData(); ud != nil {
		t.Errorf("no comment: UserData %x, want nil", ud)
	}
}

// TestTranslationSharesNoRoom checks that the statements' expressions,
// taken from one slab, cannot write into each other: appending to a
// statement's expressions leaves the others as they were, as does
// changing what Exprs returns.
func TestTranslationSharesNoRoom(t *testing.T) {
	for _, s := range []string{
		`-i eth0 -s 10.4.0.1/32 -d 10.5.0.0/16 -p tcp --dport 8080 -m comment --comment x -j ACCEPT`,
		`! -o wg+ -s fd00::1/128 -p udp --sport 53 --dport 54 -j KILO-NAT`,
		`-p 4 -s 10.0.0.0/9 -g X`,
	} {
		fam := IPv4
		if strings.Contains(s, "::") {
			fam = IPv6
		}
		r, err := ParseString(fam, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		tr, err := r.TranslateExprs()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		want, _ := r.TranslateExprs()
		for i := range tr.Stmts {
			st := &tr.Stmts[i]
			st.Exprs = append(st.Exprs, &expr.Counter{Packets: 99})
		}
		all := tr.Exprs()
		for i := range all {
			all[i] = &expr.Counter{Packets: 98}
		}
		for i := range tr.Stmts {
			got := tr.Stmts[i].Exprs
			if n := len(want.Stmts[i].Exprs); len(got) != n+1 || (n > 0 && !reflect.DeepEqual(got[:n], want.Stmts[i].Exprs)) {
				t.Errorf("%s: statement %d's expressions changed by writes to the others:\n  %#v\n  want %#v", s, i, got[:len(got)-1], want.Stmts[i].Exprs)
			}
		}
	}
}

// TestBlocksAsSeparateExprs checks that each helper building expressions
// in one block builds the values the separate constructors build.
func TestBlocksAsSeparateExprs(t *testing.T) {
	same := func(what string, got, want []expr.Any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n  got  %#v\n  want %#v", what, got, want)
		}
	}
	for _, inv := range []bool{false, true} {
		for _, data := range [][]byte{nil, {}, {6}, {10, 0, 0, 1}, bytes.Repeat([]byte{0xfe}, 16), bytes.Repeat([]byte{1}, 17)} {
			l, c := newLoadCmp(expr.PayloadBaseNetworkHeader, 12, 4, inv, data)
			same("newLoadCmp", []expr.Any{l, c}, []expr.Any{payload(expr.PayloadBaseNetworkHeader, 12, 4), cmp(inv, data)})
			m, c := newMetaCmp(expr.MetaKeyIIFNAME, inv, data)
			same("newMetaCmp", []expr.Any{m, c}, []expr.Any{meta(expr.MetaKeyIIFNAME), cmp(inv, data)})
		}
		for _, v := range [][2]uint32{{0, 0}, {1, 0xffffffff}, {0x4000, 0x4000}, {0x12345678, 0xff00ff00}} {
			and, c := newMasked32(inv, v[1], v[0])
			same("newMasked32", []expr.Any{and, c}, maskedCmp(inv, ne32(v[1]), ne32(v[0])))
			same("newCmp32", []expr.Any{newCmp32(inv, v[0])}, []expr.Any{cmp(inv, ne32(v[0]))})
			ct := ctFlagsExprs(expr.CtKeySTATE, inv, v[1])
			same("ctFlagsExprs", ct[:], append([]expr.Any{&expr.Ct{Register: 1, Key: expr.CtKeySTATE}}, maskedCmp(!inv, ne32(v[1]), ne32(0))...))
		}
	}
}

// TestTranslatorReuse: a Translator that translated other rules before
// gives each rule the translation a fresh TranslateExprs gives it (the same
// expressions, marshalled, and the same comment and sets), for rules of
// the property tests' generator in a random order, so that whatever one
// rule leaves in the reused memory shows in the next. The seed is printed;
// NFTSYNC_TRANSLATOR_SEED replays one.
func TestTranslatorReuse(t *testing.T) {
	seed := rand.Uint64()
	if s, err := strconv.ParseUint(os.Getenv("NFTSYNC_TRANSLATOR_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (NFTSYNC_TRANSLATOR_SEED replays it)", seed)
	var rules []*Rule
	for _, gr := range rulegen.New(seed).Rules(3000) {
		fam := IPv4
		if gr.V6 {
			fam = IPv6
		}
		if r, err := Parse(fam, gr.Args); err == nil {
			rules = append(rules, r)
		}
	}
	if len(rules) < 1000 {
		t.Fatalf("only %d of 3000 rulegen rules parse", len(rules))
	}
	var xl Translator
	compared := 0
	for _, r := range rules {
		want, werr := r.TranslateExprs()
		got, gerr := xl.TranslateExprs(r)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%s: fresh error %v, reused %v", r, werr, gerr)
		}
		if werr != nil {
			continue
		}
		if w, g := translationForm(t, want), translationForm(t, got); w != g {
			t.Fatalf("%s: reused translator gives\n%s\nwant\n%s", r, g, w)
		}
		compared++
	}
	t.Logf("%d rules compared", compared)
}

// translationForm prints what the engine reads of a translation: the
// marshalled expressions, statement by statement, the comment and the sets.
func translationForm(t *testing.T, tr *Translation) string {
	t.Helper()
	var b bytes.Buffer
	fam := byte(2)
	if tr.Family == IPv6 {
		fam = 10
	}
	for i, s := range tr.Stmts {
		fmt.Fprintf(&b, "stmt %d exact %q xt %q refused %v:", i, s.Exact, s.Xt, s.Refused)
		for _, x := range s.Exprs {
			m, err := MarshalExpr(fam, x)
			if err != nil {
				t.Fatalf("marshalling %T: %v", x, err)
			}
			fmt.Fprintf(&b, " %x", m)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "comment %q %v, %d sets", tr.Comment, tr.Commented, len(tr.Sets))
	for _, s := range tr.Sets {
		fmt.Fprintf(&b, " %+v", *s)
	}
	return b.String()
}
