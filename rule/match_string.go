package rule

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"

	"github.com/nftsync/nftsync/rule/xt"
)

// StringMatch is the string match: Pattern occurs in the packet between
// offsets From and To, found with the kernel's text search algorithm Algo
// ("bm" or "kmp"), case-insensitively with IgnoreCase.
//
// iptables-translate has no translation for it, and nft has no payload
// search: nftsync installs xt_string itself.
type StringMatch struct {
	Pattern            string
	Algo               string
	From, To           uint16
	Invert, IgnoreCase bool
	seen               map[string]bool
}

func newString(*Rule) (Match, error) { return &StringMatch{To: math.MaxUint16}, nil }

// Name returns "string".
func (m *StringMatch) Name() string   { return "string" }
func (m *StringMatch) stateful() bool { return false }

func (m *StringMatch) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--string", "--hex-string", "--algo", "--from", "--to":
	case "--icase":
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		if m.IgnoreCase {
			return true, argError(opt, "may only be given once")
		}
		m.IgnoreCase = true
		return true, nil
	default:
		return false, nil
	}
	if opt != "--string" && opt != "--hex-string" {
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
	}
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if (opt == "--string" || opt == "--hex-string") && (m.seen["--string"] || m.seen["--hex-string"]) {
		return true, argError(opt, "takes one of --string and --hex-string, once")
	}
	v, err := p.onceValue(opt, m.seen[opt])
	if err != nil {
		return true, err
	}
	m.seen[opt] = true
	switch opt {
	case "--string":
		if len(v) > xt.StringMaxPattern {
			return true, argError(v, "longer than %d bytes", xt.StringMaxPattern)
		}
		m.Pattern, m.Invert = v, invert
	case "--hex-string":
		s, err := parseHexString(v)
		if err != nil {
			return true, argError(v, "%v", err)
		}
		m.Pattern, m.Invert = s, invert
	case "--algo":
		// The kernel's textsearch has bm, kmp and fsm; fsm takes a
		// pattern of tokens, not the bytes of --string.
		if v != "bm" && v != "kmp" {
			return true, argError(v, "not a string search algorithm (bm or kmp)")
		}
		m.Algo = v
	case "--from", "--to":
		n, err := parseUint(v, 16)
		if err != nil {
			return true, argError(v, "%v", err)
		}
		if opt == "--from" {
			m.From = uint16(n)
		} else {
			m.To = uint16(n)
		}
	}
	return true, nil
}

// parseHexString reads a --hex-string as libxt_string does: text with
// blocks of hex bytes between "|" (a space may follow each byte) and "\"
// escaping the next character outside them.
func parseHexString(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("the string must contain at least one character")
	}
	var out []byte
	inHex, literal := false, false
	for i := 0; i < len(s); {
		if len(out) >= xt.StringMaxPattern {
			return "", fmt.Errorf("longer than %d bytes", xt.StringMaxPattern)
		}
		switch {
		case s[i] == '\\' && !inHex:
			literal = true
		case s[i] == '\\':
			return "", fmt.Errorf("cannot include literals in hex data")
		case s[i] == '|':
			if inHex {
				inHex = false
			} else {
				inHex = true
				for i+1 < len(s) && s[i+1] == ' ' {
					i++
				}
			}
			if i+1 >= len(s) {
				return string(out), nil
			}
			i++
		}
		switch {
		case literal:
			if i+1 >= len(s) {
				return "", fmt.Errorf("bad literal placement at end of string")
			}
			out = append(out, s[i+1])
			i += 2
			literal = false
		case inHex:
			if i+1 >= len(s) {
				return "", fmt.Errorf("odd number of hex digits")
			}
			if i+2 >= len(s) {
				return "", fmt.Errorf("invalid hex block (it must end with |)")
			}
			b, err := hex.DecodeString(s[i : i+2])
			if err != nil {
				return "", fmt.Errorf("invalid hex digits %q", s[i:i+2])
			}
			out = append(out, b[0])
			i += 2
			if s[i] == ' ' {
				i++
			}
		default:
			out = append(out, s[i])
			i++
		}
	}
	return string(out), nil
}

func (m *StringMatch) finish(*Rule) error {
	switch {
	case !m.seen["--string"] && !m.seen["--hex-string"]:
		return argError("-m string", "needs --string or --hex-string")
	case m.Algo == "":
		return argError("-m string", "needs --algo")
	case m.Pattern == "":
		return argError("-m string", "the kernel refuses an empty pattern")
	case m.From > m.To:
		return argError("-m string", "--from %d is beyond --to %d", m.From, m.To)
	}
	return nil
}

// args are in iptables-save order; a pattern with a byte that is not
// printable ASCII, or that ends with a backslash, is saved in hex.
func (m *StringMatch) args() []string {
	out := invertArgs(m.Invert, "--string", m.Pattern)
	if stringNeedsHex(m.Pattern) {
		out = invertArgs(m.Invert, "--hex-string", "|"+hex.EncodeToString([]byte(m.Pattern))+"|")
	}
	out = append(out, "--algo", m.Algo)
	if m.From != 0 {
		out = append(out, "--from", strconv.Itoa(int(m.From)))
	}
	if m.To != math.MaxUint16 {
		out = append(out, "--to", strconv.Itoa(int(m.To)))
	}
	if m.IgnoreCase {
		out = append(out, "--icase")
	}
	return out
}

func stringNeedsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return true
		}
	}
	return s[len(s)-1] == '\\'
}

func (m *StringMatch) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m string, and nft has no payload search", ext, info)
}

// xtInfo encodes the match as struct xt_string_info revision 1.
func (m *StringMatch) xtInfo() (*xt.Ext, []byte) {
	s := xt.String{From: m.From, To: m.To, Algo: m.Algo, Pattern: m.Pattern}
	if m.Invert {
		s.Flags |= xt.StringInvert
	}
	if m.IgnoreCase {
		s.Flags |= xt.StringIgnoreCase
	}
	return xt.StringMatch, s.Marshal()
}
