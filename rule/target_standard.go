package rule

import (
	"strings"

	"github.com/google/nftables/expr"
)

// Verdict is one of the standard targets ACCEPT, DROP and RETURN.
type Verdict struct {
	Kind string
}

// Name returns the target name.
func (v *Verdict) Name() string                              { return v.Kind }
func (v *Verdict) parse(*parser, string, bool) (bool, error) { return false, nil }
func (v *Verdict) finish(*Rule) error                        { return nil }
func (v *Verdict) args() []string                            { return nil }
func (v *Verdict) xlate(x *xlator) error {
	var kind expr.VerdictKind
	var text string
	switch v.Kind {
	case "ACCEPT":
		kind, text = expr.VerdictAccept, "accept"
	case "DROP":
		kind, text = expr.VerdictDrop, "drop"
	case "RETURN":
		kind, text = expr.VerdictReturn, "return"
	default:
		text = strings.ToLower(v.Kind)
	}
	x.add(text, x.verdict(kind, ""))
	return nil
}

// Jump is -j CHAIN (or -g CHAIN when Goto is set).
type Jump struct {
	Chain string
	Goto  bool
}

// Name returns the chain jumped to.
func (j *Jump) Name() string                              { return j.Chain }
func (j *Jump) parse(*parser, string, bool) (bool, error) { return false, nil }
func (j *Jump) finish(*Rule) error                        { return nil }
func (j *Jump) args() []string                            { return nil }
func (j *Jump) xlate(x *xlator) error {
	if j.Goto {
		x.addLazy(func() string { return "goto " + j.Chain }, x.verdict(expr.VerdictGoto, j.Chain))
	} else {
		x.addLazy(func() string { return "jump " + j.Chain }, x.verdict(expr.VerdictJump, j.Chain))
	}
	return nil
}
