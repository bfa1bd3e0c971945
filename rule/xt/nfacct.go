package xt

// NfacctMatch is xt_nfacct, revision 1 (struct xt_nfacct_match_info_v1):
// the kernel finds the accounting object by name when the rule is added
// (and refuses the rule when there is none).
var NfacctMatch = register(&Ext{Kind: Match, Name: "nfacct", Rev: 1, Families: BothFamilies, Size: 40})

// NfacctNameMax is NFACCT_NAME_MAX, the NUL included.
const NfacctNameMax = 32

// Nfacct is struct xt_nfacct_match_info_v1; the kernel's pointer stays
// zero.
type Nfacct struct {
	Name string
}

// Marshal encodes the info.
func (n Nfacct) Marshal() []byte {
	b := newEnc(NfacctMatch.Size)
	b.bytes(0, []byte(n.Name))
	return b
}

// DecodeNfacct decodes the info.
func DecodeNfacct(info []byte) (Nfacct, error) {
	if err := checkLen(NfacctMatch, info); err != nil {
		return Nfacct{}, err
	}
	return Nfacct{Name: cString(info[:NfacctNameMax])}, nil
}
