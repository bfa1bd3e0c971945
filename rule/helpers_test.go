package rule

import (
	"errors"
	"testing"
)

// translateArgs parses and translates a rule, reporting a failure (and
// returning nil) when either step fails.
func translateArgs(t *testing.T, fam Family, args string) *Translation {
	t.Helper()
	r, err := ParseString(fam, args)
	if err != nil {
		t.Errorf("%s: parse: %v", args, err)
		return nil
	}
	tr, err := r.Translate()
	if err != nil {
		t.Errorf("%s: translate: %v", args, err)
		return nil
	}
	return tr
}

// wantText checks that a rule translates to want (Translation.Text).
func wantText(t *testing.T, fam Family, args, want string) {
	t.Helper()
	if tr := translateArgs(t, fam, args); tr != nil {
		if got := tr.Text(); got != want {
			t.Errorf("%s:\n  got  %s\n  want %s", args, got, want)
		}
	}
}

// wantUnsupported checks that a valid rule is refused with ErrUnsupported
// rather than translated into something weaker or different.
func wantUnsupported(t *testing.T, fam Family, args string) {
	t.Helper()
	r, err := ParseString(fam, args)
	if err != nil {
		t.Errorf("%s: parse: %v", args, err)
		return
	}
	tr, err := r.Translate()
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("%s: Translate() = %v, %v; want an error wrapping ErrUnsupported", args, tr, err)
	}
}
