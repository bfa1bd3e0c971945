package rule

import "slices"

// SamePrint reports whether r and o print the same String() and start from
// the same counters, mostly without printing them: when their header
// fields, counters and the options of each extension are equal, so are
// their forms. Otherwise (some fields differ but may print alike) it
// compares their forms. A cache keyed by the form confirms a hit with it
// without keeping the form's text.
func (r *Rule) SamePrint(o *Rule) bool {
	if r == o {
		return true
	}
	if r.Family != o.Family || r.Counters != o.Counters {
		return false
	}
	if r.sameParts(o) {
		return true
	}
	return r.String() == o.String()
}

// sameParts reports whether everything String prints from is equal.
func (r *Rule) sameParts(o *Rule) bool {
	if r.Proto != o.Proto || r.Fragment != o.Fragment || r.FragmentInvert != o.FragmentInvert ||
		r.In != o.In || r.Out != o.Out || r.Src != o.Src || r.Dst != o.Dst ||
		len(r.Matches) != len(o.Matches) || (r.Target == nil) != (o.Target == nil) {
		return false
	}
	for i, m := range r.Matches {
		if m.Name() != o.Matches[i].Name() || !slices.Equal(m.args(), o.Matches[i].args()) {
			return false
		}
	}
	return slices.Equal(r.targetArgs(), o.targetArgs())
}
