package xt

// ConnbytesMatch is xt_connbytes, revision 0 (struct xt_connbytes_info).
var ConnbytesMatch = register(&Ext{Kind: Match, Name: "connbytes", Rev: 0, Families: BothFamilies, Size: 24})

// The values of Connbytes.What and Connbytes.Direction.
const (
	ConnbytesPkts, ConnbytesBytes, ConnbytesAvgPkt       = 0, 1, 2
	ConnbytesOriginal, ConnbytesReply, ConnbytesBothDirs = 0, 1, 2
)

// Connbytes is struct xt_connbytes_info. The kernel matches From <= n <=
// To, or, when From > To (iptables swaps them for a negation), n < To or
// n > From; it never matches a connection without accounting.
type Connbytes struct {
	From, To        uint64
	What, Direction uint8
}

// Marshal encodes the info.
func (c Connbytes) Marshal() []byte {
	b := newEnc(ConnbytesMatch.Size)
	b.u64(0, c.From)
	b.u64(8, c.To)
	b.u8(16, c.What)
	b.u8(17, c.Direction)
	return b
}

// DecodeConnbytes decodes the info.
func DecodeConnbytes(info []byte) (Connbytes, error) {
	if err := checkLen(ConnbytesMatch, info); err != nil {
		return Connbytes{}, err
	}
	return Connbytes{From: host.Uint64(info), To: host.Uint64(info[8:]), What: info[16], Direction: info[17]}, nil
}
