package rule

import (
	"strings"
	"testing"
)

// TestLongCommentWarning: a comment longer than nft reads is printed as
// iptables-translate prints it, with a warning; one nft reads has none.
func TestLongCommentWarning(t *testing.T) {
	for n, warn := range map[int]bool{MaxCommentLen: false, MaxCommentLen + 1: true, MaxIptablesCommentLen: true} {
		c := strings.Repeat("c", n)
		cmd, err := ParseCommand(IPv4, []string{"-A", "INPUT", "-m", "comment", "--comment", c, "-j", "ACCEPT"})
		if err != nil {
			t.Fatal(err)
		}
		s, warns, err := cmd.TranslateWithWarnings()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s, `comment "`+c+`"`) {
			t.Errorf("%d bytes: %s", n, s)
		}
		if got := len(warns) == 1 && strings.Contains(warns[0], "nft refuses"); got != warn || len(warns) > 1 {
			t.Errorf("%d bytes: warnings %q", n, warns)
		}
	}
}
