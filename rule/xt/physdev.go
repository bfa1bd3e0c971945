package xt

// PhysdevMatch is xt_physdev, revision 0 (struct xt_physdev_info).
var PhysdevMatch = register(&Ext{Kind: Match, Name: "physdev", Rev: 0, Families: BothFamilies, Size: 72})

// The bits of struct xt_physdev_info's bitmask and invert.
const (
	PhysdevIn      = 0x01 // XT_PHYSDEV_OP_IN
	PhysdevOut     = 0x02 // XT_PHYSDEV_OP_OUT
	PhysdevBridged = 0x04 // XT_PHYSDEV_OP_BRIDGED
	PhysdevIsIn    = 0x08 // XT_PHYSDEV_OP_ISIN
	PhysdevIsOut   = 0x10 // XT_PHYSDEV_OP_ISOUT
)

// Physdev is struct xt_physdev_info. The masks are those
// xtables_parse_interface builds: all ones over the name and its NUL, or
// over the name without its trailing "+" (a prefix).
type Physdev struct {
	In, Out         string
	Invert, Bitmask uint8
}

// Marshal encodes the info.
func (p Physdev) Marshal() []byte {
	b := newEnc(PhysdevMatch.Size)
	b.bytes(0, []byte(p.In))
	b.bytes(16, IfaceMask(p.In))
	b.bytes(32, []byte(p.Out))
	b.bytes(48, IfaceMask(p.Out))
	b.u8(64, p.Invert)
	b.u8(65, p.Bitmask)
	return b
}

// IfaceMask returns the 16-byte mask xtables_parse_interface builds for an
// interface name.
func IfaceMask(name string) []byte {
	mask := make([]byte, 16)
	n := len(name) + 1
	if name == "" {
		n = 0
	} else if name[len(name)-1] == '+' {
		n = len(name) - 1
	}
	for i := 0; i < n && i < 16; i++ {
		mask[i] = 0xff
	}
	return mask
}

// DecodePhysdev decodes the info.
func DecodePhysdev(info []byte) (Physdev, error) {
	if err := checkLen(PhysdevMatch, info); err != nil {
		return Physdev{}, err
	}
	return Physdev{In: cString(info[:16]), Out: cString(info[32:48]), Invert: info[64], Bitmask: info[65]}, nil
}

// cString returns the NUL-terminated string at the start of b.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
