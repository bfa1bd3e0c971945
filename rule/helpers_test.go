package rule

import (
	"errors"
	"strings"
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

// wantParseError checks that args fail to parse with a *ParseError naming
// arg (as written) for a reason containing reason, and that the error wraps
// ErrUnsupported exactly when unsupported is set.
func wantParseError(t *testing.T, fam Family, args, arg, reason string, unsupported bool) {
	t.Helper()
	_, err := ParseString(fam, args)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Errorf("%s: error %v, want a *ParseError", args, err)
		return
	}
	if pe.Arg != arg || !strings.Contains(pe.Reason, reason) {
		t.Errorf("%s: error names %q because %q; want %q because ...%s...", args, pe.Arg, pe.Reason, arg, reason)
	}
	if got := errors.Is(err, ErrUnsupported); got != unsupported {
		t.Errorf("%s: errors.Is(err, ErrUnsupported) = %v, want %v", args, got, unsupported)
	}
}
