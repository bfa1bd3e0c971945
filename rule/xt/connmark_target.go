package xt

// ConnmarkTarget is xt_CONNMARK, revision 2 (struct xt_connmark_tginfo2,
// with shifts), which iptables 1.8.9 uses.
var ConnmarkTarget = register(&Ext{Kind: Target, Name: "CONNMARK", Rev: 2, Families: BothFamilies, Size: 16})

// The values of Connmark.Mode (XT_CONNMARK_*) and Connmark.ShiftDir.
const (
	ConnmarkSet, ConnmarkSave, ConnmarkRestore = 0, 1, 2
	ConnmarkShiftLeft, ConnmarkShiftRight      = 0, 1
)

// Connmark is struct xt_connmark_tginfo2.
type Connmark struct {
	CTMark, CTMask, NFMask    uint32
	ShiftDir, ShiftBits, Mode uint8
}

// Marshal encodes the info.
func (c Connmark) Marshal() []byte {
	b := newEnc(ConnmarkTarget.Size)
	b.u32(0, c.CTMark)
	b.u32(4, c.CTMask)
	b.u32(8, c.NFMask)
	b.u8(12, c.ShiftDir)
	b.u8(13, c.ShiftBits)
	b.u8(14, c.Mode)
	return b
}

// DecodeConnmark decodes the info.
func DecodeConnmark(info []byte) (Connmark, error) {
	if err := checkLen(ConnmarkTarget, info); err != nil {
		return Connmark{}, err
	}
	return Connmark{CTMark: host.Uint32(info), CTMask: host.Uint32(info[4:]), NFMask: host.Uint32(info[8:]),
		ShiftDir: info[12], ShiftBits: info[13], Mode: info[14]}, nil
}
