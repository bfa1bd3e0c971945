package xt

// ECNMatch is the ecn match, revision 0 (struct xt_ecn_info), for both
// families. Its checkentry refuses the TCP flags in a rule without -p tcp
// (from NFTA_RULE_COMPAT).
var ECNMatch = register(&Ext{Kind: Match, Name: "ecn", Rev: 0, Families: BothFamilies, Size: 8})

// The bits of ECNInfo.Operation and ECNInfo.Invert (XT_ECN_OP_MATCH_*).
const (
	ECNMatchIP, ECNMatchECE, ECNMatchCWR = 0x01, 0x10, 0x20
)

// ECNInfo is struct xt_ecn_info: Operation says which of the IP header's
// ECN field (equal to IPECT) and the TCP ECE and CWR flags (set) are
// tested, Invert which of them are negated.
type ECNInfo struct {
	Operation, Invert, IPECT uint8
}

// Marshal encodes the info.
func (e ECNInfo) Marshal() []byte {
	b := newEnc(ECNMatch.Size)
	b.u8(0, e.Operation)
	b.u8(1, e.Invert)
	b.u8(2, e.IPECT)
	return b
}
