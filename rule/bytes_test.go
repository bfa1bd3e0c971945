package rule

import (
	"strings"
	"testing"
)

// TestSplitArgsKeepsBytes checks that arguments keep every byte: invalid
// UTF-8 once became U+FFFD, so a comment changed silently.
func TestSplitArgsKeepsBytes(t *testing.T) {
	args, err := SplitArgs("-j LOG --log-prefix \"p\xff q\" -i e\xfex")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-j", "LOG", "--log-prefix", "p\xff q", "-i", "e\xfex"}
	if strings.Join(args, "|") != strings.Join(want, "|") {
		t.Errorf("SplitArgs = %q, want %q", args, want)
	}
	r, err := ParseString(IPv4, "-i e\xfex -j LOG --log-prefix \"p\xff q\"")
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseString(IPv4, r.String())
	if err != nil || !back.Equal(r) || back.In.Name != "e\xfex" {
		t.Errorf("%q read back as %q (%v)", r, back, err)
	}
}

// TestRestoreNonUTF8Comment checks that a comment that is not UTF-8 (nft
// prints comments as text) is refused naming FILE:LINE, not changed.
func TestRestoreNonUTF8Comment(t *testing.T) {
	in := "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"a\xffb\" -j ACCEPT\nCOMMIT\n"
	err := ScanRestore(strings.NewReader(in), "f", IPv4, func(*RestoreLine) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "f:3: ") || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("got %v, want f:3: ... not valid UTF-8", err)
	}
}
