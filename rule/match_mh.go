package rule

import (
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
)

// MH is ip6tables' mh match: the type of a Mobility Header within a range.
type MH struct {
	Type fieldRange
}

func newMH(r *Rule) (Match, error) {
	if err := ipv6Only(r, "mh"); err != nil {
		return nil, err
	}
	return &MH{}, nil
}

// mhTypes are the type names libip6t_mh accepts.
var mhTypes = map[string]uint32{
	"binding-refresh-request": 0, "brr": 0, "home-test-init": 1, "hoti": 1,
	"careof-test-init": 2, "coti": 2, "home-test": 3, "hot": 3, "careof-test": 4, "cot": 4,
	"binding-update": 5, "bu": 5, "binding-acknowledgement": 6, "ba": 6,
	"binding-error": 7, "be": 7,
}

// Name returns "mh".
func (m *MH) Name() string   { return "mh" }
func (m *MH) stateful() bool { return false }

func (m *MH) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--mh-type" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.Type.Set)
	if err != nil {
		return true, err
	}
	// Names become numbers first; the range syntax is then the usual one.
	lo, hi, isRange := strings.Cut(v, ":")
	for _, s := range []*string{&lo, &hi} {
		if n, ok := mhTypes[strings.ToLower(*s)]; ok {
			*s = strconv.Itoa(int(n))
		}
	}
	if isRange {
		lo += ":" + hi
	}
	return true, m.Type.setRange(lo, invert, 8)
}

func (m *MH) finish(*Rule) error { return nil }
func (m *MH) args() []string     { return m.Type.save("--mh-type", 0xff) }

func (m *MH) xlate(x *xlator) error {
	if m.Type.all(0xff) {
		x.add("exthdr mh exists", ipv6ExtExists(nexthdrMH)...)
		return nil
	}
	x.add("mh type "+m.Type.text(), append([]expr.Any{ipv6Ext(nexthdrMH, 2, 1)}, m.Type.compare(1)...)...)
	return nil
}
