package xt

// HelperMatch is xt_helper, revision 0 (struct xt_helper_info).
var HelperMatch = register(&Ext{Kind: Match, Name: "helper", Rev: 0, Families: BothFamilies, Size: 40})

// HelperNameMax is the longest helper name struct xt_helper_info holds
// with its NUL.
const HelperNameMax = 29

// Helper is struct xt_helper_info. The kernel tests the helper of the
// connection's master (the connection an expectation created this one
// from); a packet without a connection, or of a connection without a
// master, matches exactly when Invert is set.
type Helper struct {
	Invert bool
	Name   string
}

// Marshal encodes the info (a name longer than HelperNameMax is cut).
func (h Helper) Marshal() []byte {
	b := newEnc(HelperMatch.Size)
	if h.Invert {
		b.u32(0, 1)
	}
	b.bytes(4, []byte(h.Name[:min(len(h.Name), HelperNameMax)]))
	return b
}
