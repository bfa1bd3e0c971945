package xt

// U32Match is xt_u32, revision 0 (struct xt_u32).
var U32Match = register(&Ext{Kind: Match, Name: "u32", Rev: 0, Families: BothFamilies, Size: 1984})

// U32MaxSize is XT_U32_MAXSIZE: a test has at most U32MaxSize+1
// locations and values, a rule at most U32MaxSize+1 tests.
const U32MaxSize = 10

// The operators of a u32 location (enum xt_u32_ops).
const (
	U32And     = 0 // XT_U32_AND: &
	U32LeftSh  = 1 // XT_U32_LEFTSH: <<
	U32RightSh = 2 // XT_U32_RIGHTSH: >>
	U32At      = 3 // XT_U32_AT: @
)

// U32Location is struct xt_u32_location_element: Op applies Number to
// the location computed so far (ignored for the first element).
type U32Location struct {
	Number uint32
	Op     uint8
}

// U32Test is struct xt_u32_test: the location's value lies in one of the
// ranges [Values[i][0], Values[i][1]].
type U32Test struct {
	Location []U32Location
	Values   [][2]uint32
}

// U32 is struct xt_u32.
type U32 struct {
	Tests  []U32Test
	Invert bool
}

// The layout of struct xt_u32_test (180 bytes): 11 location elements of
// 8 bytes, 11 value elements of 8, nnums and nvalues, padding.
const (
	u32TestSize   = 180
	u32ValuesOff  = 88
	u32CountsOff  = 176
	u32NTestsOff  = 1980
	u32ElemStride = 8
)

// Marshal encodes the info.
func (u U32) Marshal() []byte {
	b := newEnc(U32Match.Size)
	for i, t := range u.Tests {
		off := i * u32TestSize
		for j, l := range t.Location {
			b.u32(off+j*u32ElemStride, l.Number)
			b.u8(off+j*u32ElemStride+4, l.Op)
		}
		for j, v := range t.Values {
			b.u32(off+u32ValuesOff+j*u32ElemStride, v[0])
			b.u32(off+u32ValuesOff+j*u32ElemStride+4, v[1])
		}
		b.u8(off+u32CountsOff, uint8(len(t.Location)))
		b.u8(off+u32CountsOff+1, uint8(len(t.Values)))
	}
	b.u8(u32NTestsOff, uint8(len(u.Tests)))
	if u.Invert {
		b.u8(u32NTestsOff+1, 1)
	}
	return b
}

// DecodeU32 decodes the info.
func DecodeU32(info []byte) (U32, error) {
	if err := checkLen(U32Match, info); err != nil {
		return U32{}, err
	}
	u := U32{Invert: info[u32NTestsOff+1] != 0}
	for i := 0; i < int(info[u32NTestsOff]) && i <= U32MaxSize; i++ {
		off := i * u32TestSize
		var t U32Test
		for j := 0; j < int(info[off+u32CountsOff]) && j <= U32MaxSize; j++ {
			e := off + j*u32ElemStride
			t.Location = append(t.Location, U32Location{Number: host.Uint32(info[e:]), Op: info[e+4]})
		}
		for j := 0; j < int(info[off+u32CountsOff+1]) && j <= U32MaxSize; j++ {
			e := off + u32ValuesOff + j*u32ElemStride
			t.Values = append(t.Values, [2]uint32{host.Uint32(info[e:]), host.Uint32(info[e+4:])})
		}
		u.Tests = append(u.Tests, t)
	}
	return u, nil
}
