package rule

import (
	"strconv"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// NFLog is -j NFLOG: pass the packet to a netlink log group (ulogd and
// friends) and continue.
type NFLog struct {
	Group  uint16
	Prefix string
	// Size is --nflog-size: copy at most Size bytes of the packet (when
	// SizeSet).
	Size    uint32
	SizeSet bool
	// Range is the obsolete --nflog-range, which the kernel ignores; it is
	// kept only so that the rule prints back as written.
	Range     uint32
	Threshold uint16
	seen      map[string]bool
}

const (
	// nflogDefaultThreshold is XT_NFLOG_DEFAULT_THRESHOLD: 0, the log
	// instance's own threshold, which iptables-save and
	// iptables-translate leave out and nft's log expresses by leaving
	// queue-threshold out (the kernel dumps none either).
	nflogDefaultThreshold = 0
	// MaxNFLogPrefixLen is the longest --nflog-prefix iptables accepts.
	MaxNFLogPrefixLen = 63
)

func newNFLog(*Rule) (Target, error) { return &NFLog{Threshold: nflogDefaultThreshold}, nil }

// Name returns "NFLOG".
func (n *NFLog) Name() string { return "NFLOG" }

func (n *NFLog) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--nflog-group", "--nflog-prefix", "--nflog-range", "--nflog-size", "--nflog-threshold":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if n.seen == nil {
		n.seen = map[string]bool{}
	}
	if n.seen[opt] {
		return true, argError(opt, "may only be given once")
	}
	n.seen[opt] = true
	if opt == "--nflog-prefix" {
		v, err := p.value(opt)
		if err != nil {
			return true, err
		}
		if err := checkLogPrefix(v, MaxNFLogPrefixLen); err != nil {
			return true, err
		}
		n.Prefix = v
		return true, nil
	}
	max := uint64(0xffffffff)
	if opt == "--nflog-group" || opt == "--nflog-threshold" {
		max = 0xffff
	}
	v, err := tgValue(p, opt, max)
	if err != nil {
		return true, err
	}
	switch opt {
	case "--nflog-group":
		n.Group = uint16(v)
	case "--nflog-range":
		n.Range = uint32(v)
	case "--nflog-size":
		n.Size, n.SizeSet = uint32(v), true
	case "--nflog-threshold":
		n.Threshold = uint16(v)
	}
	return true, nil
}

func (n *NFLog) finish(*Rule) error {
	if n.seen["--nflog-range"] && n.SizeSet {
		return argError("--nflog-range", "cannot be used together with --nflog-size")
	}
	return nil
}

func (n *NFLog) args() []string {
	var out []string
	if n.Prefix != "" {
		out = append(out, "--nflog-prefix", n.Prefix)
	}
	if n.Group != 0 {
		out = append(out, "--nflog-group", strconv.Itoa(int(n.Group)))
	}
	if n.SizeSet {
		out = append(out, "--nflog-size", strconv.FormatUint(uint64(n.Size), 10))
	} else if n.Range != 0 {
		out = append(out, "--nflog-range", strconv.FormatUint(uint64(n.Range), 10))
	}
	if n.Threshold != nflogDefaultThreshold {
		out = append(out, "--nflog-threshold", strconv.Itoa(int(n.Threshold)))
	}
	return out
}

func (n *NFLog) xlate(x *xlator) error {
	text := "log"
	e := &expr.Log{Key: 1 << unix.NFTA_LOG_GROUP, Group: n.Group}
	if n.Prefix != "" {
		if err := nftPrefix(n.Prefix); err != nil {
			return err
		}
		text += ` prefix "` + n.Prefix + `"`
		e.Key |= 1 << unix.NFTA_LOG_PREFIX
		e.Data = []byte(n.Prefix)
	}
	if n.SizeSet {
		text += " snaplen " + strconv.FormatUint(uint64(n.Size), 10)
		e.Key |= 1 << unix.NFTA_LOG_SNAPLEN
		e.Snaplen = n.Size
	}
	if n.Threshold != nflogDefaultThreshold {
		text += " queue-threshold " + strconv.Itoa(int(n.Threshold))
		e.Key |= 1 << unix.NFTA_LOG_QTHRESHOLD
		e.QThreshold = n.Threshold
	}
	x.add(text+" group "+strconv.Itoa(int(n.Group)), e)
	return nil
}
