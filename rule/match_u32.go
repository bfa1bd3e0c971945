package rule

import (
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// U32 is the u32 match: tests on 32-bit words read at computed offsets of
// the packet ("0>>22&0x3C@12>>26&0x3C@0=0x400:0x7FF&&...").
//
// iptables-translate has no translation for it, and nft's raw payload
// expressions cannot follow a computed offset (@): nftsync installs
// xt_u32 itself.
type U32 struct {
	xt.U32
	set bool
}

// Name returns "u32".
func (m *U32) Name() string   { return "u32" }
func (m *U32) stateful() bool { return false }

func (m *U32) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--u32" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	m.set, m.Invert = true, invert
	m.Tests, err = parseU32(v)
	if err != nil {
		return true, argError(v, "%v", err)
	}
	return true, nil
}

// u32Ops are the location operators, by their xt_u32 value.
var u32Ops = [...]string{xt.U32And: "&", xt.U32LeftSh: "<<", xt.U32RightSh: ">>", xt.U32At: "@"}

// parseU32 reads tests as libxt_u32 does: white space is allowed before
// each token, numbers are C numbers (0x hex, 0 octal).
func parseU32(s string) ([]xt.U32Test, error) {
	var tests []xt.U32Test
	i := 0
	skip := func() {
		for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
			i++
		}
	}
	num := func() (uint32, error) {
		n, used := cStrtoul(s[i:])
		if used == 0 || n > 0xffffffff {
			return 0, fmt.Errorf("at char %d: not a number or out of range", i)
		}
		i += used
		return uint32(n), nil
	}
	for {
		var t xt.U32Test
		// The location: a number, then operator-number pairs, then "=".
		for {
			skip()
			if i == len(s) {
				return nil, fmt.Errorf("abrupt end of input after location specifier")
			}
			if s[i] == '=' {
				if len(t.Location) == 0 {
					return nil, fmt.Errorf("at char %d: location spec missing", i)
				}
				i++
				break
			}
			var op uint8
			if len(t.Location) > 0 {
				found := false
				for o, name := range u32Ops {
					if strings.HasPrefix(s[i:], name) {
						op, found = uint8(o), true
						i += len(name)
						break
					}
				}
				if !found {
					return nil, fmt.Errorf("at char %d: operator expected", i)
				}
			}
			n, err := num()
			if err != nil {
				return nil, err
			}
			if len(t.Location) > xt.U32MaxSize {
				return nil, fmt.Errorf("at char %d: too many operators", i)
			}
			t.Location = append(t.Location, xt.U32Location{Number: n, Op: op})
		}
		// The values: ranges separated by ",", up to "&&" or the end.
		for {
			skip()
			if i == len(s) || strings.HasPrefix(s[i:], "&&") {
				break
			}
			if s[i] == '&' {
				return nil, fmt.Errorf("at char %d: a second '&' was expected", i+1)
			}
			if len(t.Values) > 0 {
				if s[i] != ',' {
					return nil, fmt.Errorf("at char %d: expected \",\" or \"&&\"", i)
				}
				i++
			}
			lo, err := num()
			if err != nil {
				return nil, err
			}
			hi := lo
			skip()
			if i < len(s) && s[i] == ':' {
				i++
				if hi, err = num(); err != nil {
					return nil, err
				}
			}
			if len(t.Values) > xt.U32MaxSize {
				return nil, fmt.Errorf("at char %d: too many \",\"s", i)
			}
			t.Values = append(t.Values, [2]uint32{lo, hi})
		}
		if len(t.Values) == 0 {
			return nil, fmt.Errorf("at char %d: value spec missing", i)
		}
		if len(tests) > xt.U32MaxSize {
			return nil, fmt.Errorf("at char %d: too many \"&&\"s", i)
		}
		tests = append(tests, t)
		if i == len(s) {
			return tests, nil
		}
		i += 2
	}
}

// cStrtoul parses a number at the start of s as C's strtoul(s, &end, 0)
// after iptables' check for a minus sign: leading white space, an optional
// "+", then 0x hex, 0 octal or decimal digits. It returns the number and
// the bytes used (0: no number).
func cStrtoul(s string) (uint64, int) {
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	if i < len(s) && s[i] == '+' {
		i++
	}
	base, digits := uint64(10), "0123456789"
	start := i
	if strings.HasPrefix(s[i:], "0x") || strings.HasPrefix(s[i:], "0X") {
		if i+2 < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[i+2]) >= 0 {
			base, digits, i = 16, "0123456789abcdef", i+2
			start = i
		}
	} else if strings.HasPrefix(s[i:], "0") {
		base, digits = 8, "01234567"
	}
	var n uint64
	for i < len(s) {
		c := s[i]
		if c >= 'A' && c <= 'F' {
			c += 'a' - 'A'
		}
		d := strings.IndexByte(digits, c)
		if d < 0 {
			break
		}
		if n > (1<<64-1)/base {
			n = 1<<64 - 1 // saturates, as strtoul does (ERANGE)
		} else {
			n = n*base + uint64(d)
		}
		i++
	}
	if i == start {
		return 0, 0
	}
	return n, i
}

func (m *U32) finish(*Rule) error {
	if !m.set {
		return argError("-m u32", "needs --u32")
	}
	return nil
}

// args: iptables-save prints every number in hex.
func (m *U32) args() []string {
	var b strings.Builder
	for i, t := range m.Tests {
		if i > 0 {
			b.WriteString("&&")
		}
		for j, l := range t.Location {
			if j > 0 {
				b.WriteString(u32Ops[l.Op])
			}
			fmt.Fprintf(&b, "0x%x", l.Number)
		}
		b.WriteByte('=')
		for j, v := range t.Values {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "0x%x", v[0])
			if v[1] != v[0] {
				fmt.Fprintf(&b, ":0x%x", v[1])
			}
		}
	}
	return invertArgs(m.Invert, "--u32", b.String())
}

func (m *U32) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m u32, and nft cannot read at a computed offset", ext, info)
}

// xtInfo encodes the match as struct xt_u32.
func (m *U32) xtInfo() (*xt.Ext, []byte) { return xt.U32Match, m.U32.Marshal() }
