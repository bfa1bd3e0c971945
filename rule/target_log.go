package rule

import (
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Log is -j LOG: log the packet to the kernel log and continue.
type Log struct {
	Prefix string
	// Level is the syslog level, 0-7; 4 (warning) is the default.
	Level uint8
	// Flags is the xt_LOG flag set (LogTCPSeq, ...).
	Flags uint8
	seen  map[string]bool
}

// LOG flags, as iptables and the kernel number them.
const (
	LogTCPSeq     = 0x01
	LogTCPOpt     = 0x02
	LogIPOpt      = 0x04
	LogUID        = 0x08
	LogMACDecode  = 0x20
	logAllFlags   = 0x2f
	logDefaultLvl = 4
	// MaxLogPrefixLen is the longest --log-prefix iptables keeps.
	MaxLogPrefixLen = 29
)

// logFlagOptions are the flag options in iptables-save order.
var logFlagOptions = []struct {
	opt  string
	flag uint8
}{
	{"--log-tcp-sequence", LogTCPSeq}, {"--log-tcp-options", LogTCPOpt},
	{"--log-ip-options", LogIPOpt}, {"--log-uid", LogUID}, {"--log-macdecode", LogMACDecode},
}

// logLevelNames are the names iptables accepts for --log-level, and nft's
// name for each level.
var logLevelNames = map[string]uint8{
	"emerg": 0, "panic": 0, "alert": 1, "crit": 2, "error": 3,
	"warning": 4, "notice": 5, "info": 6, "debug": 7,
}

var nftLogLevels = []string{"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"}

func newLog(*Rule) (Target, error) { return &Log{Level: logDefaultLvl}, nil }

// Name returns "LOG".
func (l *Log) Name() string { return "LOG" }

func (l *Log) once(opt string) error {
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if l.seen[opt] {
		return argError(opt, "may only be given once")
	}
	l.seen[opt] = true
	return nil
}

func (l *Log) parse(p *parser, opt string, invert bool) (bool, error) {
	var flag uint8
	for _, f := range logFlagOptions {
		if opt == f.opt {
			flag = f.flag
		}
	}
	if flag == 0 && opt != "--log-prefix" && opt != "--log-level" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if err := l.once(opt); err != nil {
		return true, err
	}
	if flag != 0 {
		l.Flags |= flag
		return true, nil
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	if opt == "--log-prefix" {
		if err := checkLogPrefix(v, MaxLogPrefixLen); err != nil {
			return true, err
		}
		l.Prefix = v
		return true, nil
	}
	if n, ok := logLevelNames[v]; ok {
		l.Level = n
		return true, nil
	}
	n, err := tgUint(v, 7)
	if err != nil {
		return true, argError(v, "unknown log level (0-7 or emerg, alert, crit, error, warning, notice, info, debug)")
	}
	l.Level = uint8(n)
	return true, nil
}

// checkLogPrefix validates a log prefix as iptables does.
func checkLogPrefix(v string, max int) error {
	switch {
	case v == "":
		return argError(v, "log prefix must not be empty")
	case len(v) > max:
		return argError(v, "log prefix is %d bytes; at most %d are kept", len(v), max)
	case strings.ContainsAny(v, "\n\x00"):
		return argError(v, "newlines are not allowed in a log prefix")
	}
	return nil
}

// nftPrefix checks that nft can print the prefix inside double quotes.
func nftPrefix(v string) error {
	if strings.ContainsAny(v, "\"\\") {
		return unsupported("log prefix %q contains a quote or backslash, which nft cannot read back", v)
	}
	return nil
}

func (l *Log) finish(*Rule) error { return nil }

func (l *Log) args() []string {
	var out []string
	if l.Prefix != "" {
		out = append(out, "--log-prefix", l.Prefix)
	}
	if l.Level != logDefaultLvl {
		out = append(out, "--log-level", strconv.Itoa(int(l.Level)))
	}
	for _, f := range logFlagOptions {
		if l.Flags&f.flag != 0 {
			out = append(out, f.opt)
		}
	}
	return out
}

func (l *Log) xlate(x *xlator) error {
	text := "log"
	e := &expr.Log{}
	if l.Prefix != "" {
		text += ` prefix "` + l.Prefix + `"`
		e.Key |= 1 << unix.NFTA_LOG_PREFIX
		e.Data = []byte(l.Prefix)
	}
	if l.Level != logDefaultLvl {
		text += " level " + nftLogLevels[l.Level]
		e.Key |= 1 << unix.NFTA_LOG_LEVEL
		e.Level = expr.LogLevel(l.Level)
	}
	if l.Flags != 0 {
		e.Key |= 1 << unix.NFTA_LOG_FLAGS
		e.Flags = expr.LogFlags(l.Flags)
		if l.Flags&logAllFlags == logAllFlags {
			text += " flags all"
		} else {
			if l.Flags&(LogTCPSeq|LogTCPOpt) != 0 {
				var tcp []string
				if l.Flags&LogTCPSeq != 0 {
					tcp = append(tcp, "sequence")
				}
				if l.Flags&LogTCPOpt != 0 {
					tcp = append(tcp, "options")
				}
				text += " flags tcp " + strings.Join(tcp, ",")
			}
			if l.Flags&LogIPOpt != 0 {
				text += " flags ip options"
			}
			if l.Flags&LogUID != 0 {
				text += " flags skuid"
			}
			if l.Flags&LogMACDecode != 0 {
				text += " flags ether"
			}
		}
	}
	if nftPrefix(l.Prefix) != nil {
		return l.xlateXt(x, text) // target_log_xt.go
	}
	x.add(text, e)
	return nil
}
