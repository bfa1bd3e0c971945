package iptables

// RuleSet is what Controller.Set installs: rules appended to their chains
// in order, and rules prepended to them (before the appended ones, and at
// the top of a chain shared with other programs).
type RuleSet struct {
	appendRules  []Rule
	prependRules []Rule
}

// AddToAppend adds a rule (or chain) to append.
func (rs *RuleSet) AddToAppend(rule Rule) {
	rs.appendRules = append(rs.appendRules, rule)
}

// AddToPrepend adds a rule (or chain) to prepend.
func (rs *RuleSet) AddToPrepend(rule Rule) {
	rs.prependRules = append(rs.prependRules, rule)
}

// AppendRuleSet returns the rules of rs followed by those of other.
func (rs *RuleSet) AppendRuleSet(other RuleSet) RuleSet {
	return RuleSet{
		// Full slice expressions: appending must not write into rs's
		// backing arrays, which a later AddTo* on rs would overwrite.
		appendRules:  append(rs.appendRules[:len(rs.appendRules):len(rs.appendRules)], other.appendRules...),
		prependRules: append(rs.prependRules[:len(rs.prependRules):len(rs.prependRules)], other.prependRules...),
	}
}
