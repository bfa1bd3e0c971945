package rule

import (
	"bytes"
	"net/netip"
	"strconv"
	"sync"
)

// This file writes a rule's iptables-save text (String) and its meaning key
// (Key) straight into one buffer. Both run once per rule whenever a ruleset
// is installed or compared: building Args() first (a []string of every
// option, each a string of its own) and then joining it cost about as much
// as translating the rule. Args stays the reference: an extension's
// appendArgs writes exactly what quoting and joining its args() writes
// (quoteArgs in spec_text_test.go, which checks it over the corpus and
// generated rules).

// argsAppender is an extension that writes its options into a rule's text
// without building args(). Extensions without it are written from args().
type argsAppender interface {
	// appendArgs appends, for each argument of args() in order, a space
	// and the argument as appendArg writes it.
	appendArgs(b []byte) []byte
}

// String returns the rule in iptables-save form (without "-A CHAIN"): the
// header matches first, then each match module with its options in canonical
// order, then the target. Arguments with spaces or quotes are quoted as
// iptables-save quotes them, so SplitArgs(String()) gives Args().
func (r *Rule) String() string {
	bp := getTextBuf()
	b := r.appendHeader(*bp, true)
	for _, m := range r.Matches {
		b = appendMatch(b, m)
	}
	b = r.appendTarget(b)
	s := ""
	if len(b) > 0 {
		// Every argument was written with a space before it: the text
		// starts after the first.
		s = string(b[1:])
	}
	putTextBuf(bp, b)
	return s
}

// Key is the canonical form used for equality. It is String, except that
// stateless matches are sorted between stateful ones (the order of stateless
// matches does not change what a rule matches, but a stateful match (limit)
// only sees the packets that earlier matches let through), that a target
// with several spellings of one meaning is in its canonical spelling, and
// that the header's arguments are not quoted.
func (r *Rule) Key() string {
	bp := getTextBuf()
	b := r.appendKey(*bp)
	s := string(b)
	putTextBuf(bp, b)
	return s
}

// Equal reports whether two rules have the same meaning: the same Key,
// compared without making either string.
func (r *Rule) Equal(o *Rule) bool {
	if r == nil || o == nil {
		return r == o
	}
	rp, op := getTextBuf(), getTextBuf()
	rk, ok := r.appendKey(*rp), o.appendKey(*op)
	eq := bytes.Equal(rk, ok)
	putTextBuf(rp, rk)
	putTextBuf(op, ok)
	return eq
}

// appendKey appends Key to b.
func (r *Rule) appendKey(b []byte) []byte {
	b = append(b, r.Family.String()...)
	start := len(b)
	b = r.appendHeader(b, false)
	// Each match is one item "-m NAME ARGS..."; a run of stateless ones
	// is sorted as strings. segs holds where each match of the current
	// run starts and ends in b (after its leading space).
	var segBuf [8]segment
	segs := segBuf[:0]
	for _, m := range r.Matches {
		if m.stateful() {
			b = sortSegments(b, segs)
			segs = segs[:0]
			b = appendMatch(b, m)
			continue
		}
		from := len(b) + 1
		b = appendMatch(b, m)
		segs = append(segs, segment{from, len(b)})
	}
	b = sortSegments(b, segs)
	if k, ok := r.Target.(keyTarget); ok {
		for _, a := range k.keyArgs() {
			b = appendArg(b, a)
		}
	} else {
		b = r.appendTarget(b)
	}
	if len(b) == start {
		// strings.Join of no items: the family and a space.
		b = append(b, ' ')
	}
	return b
}

// segment is the text of one match within a Key being written: b[from:to].
type segment struct{ from, to int }

// sortSegments puts the adjacent segments of b in byte order (sort.Strings
// order), each still preceded by one space. They are usually in order
// already (a rule has one or two matches), and then nothing is copied.
func sortSegments(b []byte, segs []segment) []byte {
	sorted := true
	for i := 1; i < len(segs) && sorted; i++ {
		sorted = bytes.Compare(b[segs[i-1].from:segs[i-1].to], b[segs[i].from:segs[i].to]) <= 0
	}
	if sorted {
		return b
	}
	// Insertion sort of the few segments, then the region rewritten
	// (both in buffers on the stack unless a rule has many matches).
	var orderBuf [8]segment
	order := append(orderBuf[:0], segs...)
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && bytes.Compare(b[order[j-1].from:order[j-1].to], b[order[j].from:order[j].to]) > 0; j-- {
			order[j-1], order[j] = order[j], order[j-1]
		}
	}
	lo, hi := segs[0].from-1, segs[len(segs)-1].to
	var regionBuf [256]byte
	region := regionBuf[:0]
	for _, s := range order {
		region = append(region, ' ')
		region = append(region, b[s.from:s.to]...)
	}
	copy(b[lo:hi], region)
	return b
}

// textBufs are the buffers String and Key write into: the string is then
// copied out at its exact size (a rule's spec is kept for as long as the
// rule is installed), and the buffer serves the next rule.
var textBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, 256)
	return &b
}}

// maxTextBuf is the largest buffer textBufs keeps (a rule with long
// comments may need more, once).
const maxTextBuf = 4096

func getTextBuf() *[]byte {
	bp := textBufs.Get().(*[]byte)
	*bp = (*bp)[:0]
	return bp
}

// putTextBuf returns bp to textBufs, with b, what was written into it
// (which may have grown).
func putTextBuf(bp *[]byte, b []byte) {
	if cap(b) > maxTextBuf {
		return
	}
	*bp = b[:0]
	textBufs.Put(bp)
}

// appendHeader writes headerArgs, each argument quoted as appendArg quotes
// it when quote is set (String), as it is otherwise (Key).
func (r *Rule) appendHeader(b []byte, quote bool) []byte {
	for _, a := range [...]struct {
		flag string
		addr *Addr
	}{{" -s ", &r.Src}, {" -d ", &r.Dst}} {
		if a.addr.Set {
			b = appendNot(b, a.addr.Invert)
			b = append(b, a.flag...)
			b = appendAddr(b, *a.addr)
		}
	}
	for _, i := range [...]struct {
		flag  string
		iface *Iface
	}{{" -i", &r.In}, {" -o", &r.Out}} {
		if i.iface.Name != "" {
			b = appendNot(b, i.iface.Invert)
			b = append(b, i.flag...)
			if quote {
				b = appendArg(b, i.iface.Name)
			} else {
				b = append(b, ' ')
				b = append(b, i.iface.Name...)
			}
		}
	}
	if r.Proto.Set {
		b = appendNot(b, r.Proto.Invert)
		b = append(b, " -p "...)
		b = appendProtoName(b, r.Proto.Num)
	}
	if r.Fragment {
		b = appendNot(b, r.FragmentInvert)
		b = append(b, " -f"...)
	}
	return b
}

// appendMatch writes "-m NAME" and the match's options.
func appendMatch(b []byte, m Match) []byte {
	b = append(b, " -m"...)
	b = appendArg(b, m.Name())
	return appendExtArgs(b, m)
}

// appendTarget writes targetArgs.
func (r *Rule) appendTarget(b []byte) []byte {
	if r.Target == nil {
		return b
	}
	if j, ok := r.Target.(*Jump); ok && j.Goto {
		b = append(b, " -g"...)
	} else {
		b = append(b, " -j"...)
	}
	b = appendArg(b, r.Target.Name())
	return appendExtArgs(b, r.Target)
}

// appendExtArgs writes an extension's options: by its appendArgs, or from
// its args().
func appendExtArgs(b []byte, e extension) []byte {
	if a, ok := e.(argsAppender); ok {
		return a.appendArgs(b)
	}
	for _, s := range e.args() {
		b = appendArg(b, s)
	}
	return b
}

// appendNot writes " !" for an inverted option.
func appendNot(b []byte, invert bool) []byte {
	if invert {
		return append(b, " !"...)
	}
	return b
}

// appendArg writes a space and a, quoted if it needs quotes (needsQuotes),
// with backslashes before the quotes and backslashes in it, which
// SplitArgs removes.
func appendArg(b []byte, a string) []byte {
	b = append(b, ' ')
	if !needsQuotes(a) {
		return append(b, a...)
	}
	b = append(b, '"')
	for i := 0; i < len(a); i++ {
		if a[i] == '"' || a[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, a[i])
	}
	return append(b, '"')
}

// needsQuotes reports whether an argument is written quoted: when it is
// empty or holds white space, quotes or backslashes. (A loop, not
// strings.ContainsAny: this runs for every argument of every rule whenever
// rules are compared.)
func needsQuotes(a string) bool {
	if a == "" {
		return true
	}
	for i := 0; i < len(a); i++ {
		switch a[i] {
		case ' ', '\t', '\n', '\r', '"', '\'', '\\':
			return true
		}
	}
	return false
}

// appendAddr writes formatAddr(a).
func appendAddr(b []byte, a Addr) []byte {
	b = appendIP(b, a.IP)
	b = append(b, '/')
	if bits, ok := prefixLen(a.Mask); ok {
		return strconv.AppendInt(b, int64(bits), 10)
	}
	return appendIP(b, a.Mask)
}

// appendIP writes ip.String(): AppendTo writes the same for every valid
// address, and nothing for the zero Addr, which String names.
func appendIP(b []byte, ip netip.Addr) []byte {
	if !ip.IsValid() {
		return append(b, ip.String()...)
	}
	return ip.AppendTo(b)
}

// appendProtoName writes protoName(n) (without its string for a number).
func appendProtoName(b []byte, n uint8) []byte {
	if s, ok := knownProtoName(n); ok {
		return append(b, s...)
	}
	return strconv.AppendInt(b, int64(n), 10)
}
