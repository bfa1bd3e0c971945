package rule

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// HMark is -j HMARK: set the packet mark to a hash of chosen header fields
// (addresses under prefixes, ports and protocol under masks, or the
// conntrack tuple), modulo --hmark-mod, plus --hmark-offset. nft's "jhash"
// hashes other bytes with another seed handling, and iptables-translate
// has no text: the rule runs the target itself, in any table.
//
// The port and SPI masks and "set" values are in network byte order, as
// iptables 1.8.9 writes and saves them; the SPI ones share their 4 bytes
// with the ports' (union hmark_ports), so that iptables refuses an SPI
// mask with port masks and the kernel an SPI value with port values.
type HMark struct {
	info  xt.HMark
	fam   Family
	given map[string]bool // options given, and those a tuple item counts as given
}

func newHMark(r *Rule) (Target, error) {
	return &HMark{fam: r.Family, given: map[string]bool{}}, nil
}

// Name returns "HMARK".
func (h *HMark) Name() string { return "HMARK" }

// hmarkTuple are the --hmark-tuple items in the order libxt_HMARK tries
// them (an item may be any case-insensitive prefix of a name), with the
// option each stands for.
var hmarkTuple = []struct{ name, opt string }{
	{"ct", ""}, {"src", "--hmark-src-prefix"}, {"dst", "--hmark-dst-prefix"},
	{"sport", "--hmark-sport-mask"}, {"dport", "--hmark-dport-mask"}, {"proto", "--hmark-proto-mask"}, {"spi", "--hmark-spi-mask"},
}

func (h *HMark) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--hmark-tuple", "--hmark-src-prefix", "--hmark-dst-prefix", "--hmark-sport-mask", "--hmark-dport-mask",
		"--hmark-spi-mask", "--hmark-sport", "--hmark-dport", "--hmark-spi",
		"--hmark-proto-mask", "--hmark-rnd", "--hmark-mod", "--hmark-offset":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, h.given[opt])
	if err != nil {
		return true, err
	}
	h.given[opt] = true
	if opt == "--hmark-tuple" {
		return true, h.parseTuple(v)
	}
	i := &h.info
	switch opt {
	case "--hmark-src-prefix", "--hmark-dst-prefix":
		n, err := tgUint(v, uint64(8*h.addrLen()))
		if err != nil {
			return true, err
		}
		m := fullMask(8*h.addrLen(), int(n)).AsSlice()
		if opt == "--hmark-src-prefix" {
			i.SrcMask, i.Flags = [16]byte{}, i.Flags|xt.HMarkSAddrMask
			copy(i.SrcMask[:], m)
		} else {
			i.DstMask, i.Flags = [16]byte{}, i.Flags|xt.HMarkDAddrMask
			copy(i.DstMask[:], m)
		}
	case "--hmark-sport-mask", "--hmark-dport-mask", "--hmark-sport", "--hmark-dport":
		n, err := tgUint(v, 0xffff)
		if err != nil {
			return true, err
		}
		ports, half, flag := &i.PortMask, 0, uint32(xt.HMarkSPortMask)
		switch opt {
		case "--hmark-dport-mask":
			half, flag = 1, xt.HMarkDPortMask
		case "--hmark-sport":
			ports, flag = &i.PortSet, xt.HMarkSPort
		case "--hmark-dport":
			ports, half, flag = &i.PortSet, 1, xt.HMarkDPort
		}
		binary.BigEndian.PutUint16(ports[2*half:], uint16(n))
		i.Flags |= flag
	case "--hmark-spi-mask", "--hmark-spi":
		n, err := tgUint(v, 0xffffffff)
		if err != nil {
			return true, err
		}
		if opt == "--hmark-spi-mask" {
			binary.BigEndian.PutUint32(i.PortMask[:], uint32(n))
			i.Flags |= xt.HMarkSPIMask
		} else {
			binary.BigEndian.PutUint32(i.PortSet[:], uint32(n))
			i.Flags |= xt.HMarkSPI
		}
	case "--hmark-proto-mask":
		n, err := tgUint(v, 0xffff)
		if err != nil {
			return true, err
		}
		i.ProtoMask, i.Flags = uint16(n), i.Flags|xt.HMarkProtoMask
	default:
		n, err := tgUint(v, 0xffffffff)
		if err != nil {
			return true, err
		}
		switch opt {
		case "--hmark-rnd":
			i.Rnd, i.Flags = uint32(n), i.Flags|xt.HMarkRnd
		case "--hmark-mod":
			if n == 0 {
				return true, argError(v, "out of range (1-4294967295)")
			}
			i.Mod, i.Flags = uint32(n), i.Flags|xt.HMarkModulus
		case "--hmark-offset":
			i.Offset, i.Flags = uint32(n), i.Flags|xt.HMarkOffset
		}
	}
	return true, nil
}

// parseTuple applies --hmark-tuple's comma-separated items: each sets its
// field's mask to all ones (all 16 address bytes, as iptables does) and
// counts as that field's option given.
func (h *HMark) parseTuple(v string) error {
	i := &h.info
	for _, s := range strings.Split(v, ",") {
		k := -1
		for j, t := range hmarkTuple {
			if s != "" && len(s) <= len(t.name) && strings.EqualFold(s, t.name[:len(s)]) {
				k = j
				break
			}
		}
		if k < 0 {
			return argError(s, "bad --hmark-tuple type (ct, src, dst, sport, dport, proto)")
		}
		switch hmarkTuple[k].name {
		case "ct":
			i.Flags |= xt.HMarkCT
		case "src":
			i.SrcMask, i.Flags = [16]byte{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff}, i.Flags|xt.HMarkSAddrMask
		case "dst":
			i.DstMask, i.Flags = [16]byte{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff}, i.Flags|xt.HMarkDAddrMask
		case "sport":
			i.PortMask[0], i.PortMask[1], i.Flags = 0xff, 0xff, i.Flags|xt.HMarkSPortMask
		case "dport":
			i.PortMask[2], i.PortMask[3], i.Flags = 0xff, 0xff, i.Flags|xt.HMarkDPortMask
		case "proto":
			i.ProtoMask, i.Flags = 0xffff, i.Flags|xt.HMarkProtoMask
		case "spi":
			i.PortMask, i.Flags = [4]byte{0xff, 0xff, 0xff, 0xff}, i.Flags|xt.HMarkSPIMask
		}
		h.given[hmarkTuple[k].opt] = true
	}
	return nil
}

// addrLen is the length in bytes of the family's addresses.
func (h *HMark) addrLen() int {
	if h.fam == IPv6 {
		return 16
	}
	return 4
}

func (h *HMark) finish(*Rule) error {
	f := h.info.Flags
	switch {
	case f&xt.HMarkModulus == 0:
		return argError("-j HMARK", "--hmark-mod is mandatory")
	case f&xt.HMarkRnd == 0:
		return argError("-j HMARK", "--hmark-rnd is mandatory")
	case h.given["--hmark-spi-mask"] && (h.given["--hmark-sport-mask"] || h.given["--hmark-dport-mask"]):
		return argError("--hmark-spi-mask", "cannot be used with --hmark-sport-mask or --hmark-dport-mask (they share their bytes)")
	case f&xt.HMarkSPI != 0 && f&(xt.HMarkSPort|xt.HMarkDPort) != 0:
		// The kernel's checkentry refuses it (EINVAL).
		return argError("--hmark-spi", "cannot be used with --hmark-sport or --hmark-dport (they share their bytes)")
	case f&(xt.HMarkSAddrMask|xt.HMarkDAddrMask|xt.HMarkSPIMask|xt.HMarkSPortMask|xt.HMarkDPortMask|xt.HMarkProtoMask|
		xt.HMarkSPort|xt.HMarkDPort|xt.HMarkSPI|xt.HMarkCT) == 0:
		return argError("-j HMARK", "needs --hmark-tuple or a prefix or mask to hash")
	}
	return nil
}

// args are in iptables-save's order and spelling.
func (h *HMark) args() []string {
	i, out := h.info, []string(nil)
	if i.Flags&xt.HMarkSAddrMask != 0 {
		out = append(out, "--hmark-src-prefix", strconv.Itoa(h.prefix(i.SrcMask)))
	}
	if i.Flags&xt.HMarkDAddrMask != 0 {
		out = append(out, "--hmark-dst-prefix", strconv.Itoa(h.prefix(i.DstMask)))
	}
	for _, o := range []struct {
		flag  uint32
		opt   string
		ports [4]byte
		half  int // -1: the SPI over all 4 bytes
	}{
		{xt.HMarkSPortMask, "--hmark-sport-mask", i.PortMask, 0}, {xt.HMarkDPortMask, "--hmark-dport-mask", i.PortMask, 1},
		{xt.HMarkSPIMask, "--hmark-spi-mask", i.PortMask, -1},
		{xt.HMarkSPort, "--hmark-sport", i.PortSet, 0}, {xt.HMarkDPort, "--hmark-dport", i.PortSet, 1},
		{xt.HMarkSPI, "--hmark-spi", i.PortSet, -1},
	} {
		switch {
		case i.Flags&o.flag == 0:
		case o.half < 0:
			out = append(out, o.opt, fmt.Sprintf("0x%08x", xt.SPI32(o.ports)))
		default:
			out = append(out, o.opt, fmt.Sprintf("0x%04x", xt.Port16(o.ports, o.half)))
		}
	}
	if i.Flags&xt.HMarkProtoMask != 0 {
		out = append(out, "--hmark-proto-mask", fmt.Sprintf("0x%02x", i.ProtoMask))
	}
	out = append(out, "--hmark-rnd", fmt.Sprintf("0x%08x", i.Rnd), "--hmark-mod", strconv.FormatUint(uint64(i.Mod), 10))
	if i.Flags&xt.HMarkOffset != 0 {
		out = append(out, "--hmark-offset", strconv.FormatUint(uint64(i.Offset), 10))
	}
	if i.Flags&xt.HMarkCT != 0 {
		out = append(out, "--hmark-tuple", "ct")
	}
	return out
}

// prefix is the length of an address mask's prefix in the family (the
// masks nftsync builds are prefixes).
func (h *HMark) prefix(m [16]byte) int {
	n := 0
	for _, b := range m[:h.addrLen()] {
		for ; b&0x80 != 0; b <<= 1 {
			n++
		}
	}
	return n
}

func (h *HMark) xlate(x *xlator) error {
	ext, info := h.xtInfo()
	return x.addXtOnly("nft's jhash hashes other bytes than HMARK", ext, info)
}

// xtInfo encodes the target as struct xt_hmark_info, as iptables writes
// the rule's iptables-save form: an IPv4 mask holds only its 4 bytes (the
// tuple's all-ones over 16 bytes saves as prefix 32, and the kernel reads
// only those 4 of it).
func (h *HMark) xtInfo() (*xt.Ext, []byte) {
	i := h.info
	if h.fam == IPv4 {
		clear(i.SrcMask[4:])
		clear(i.DstMask[4:])
	}
	return xt.HMarkTarget, i.Marshal()
}
