package rule

import (
	"fmt"
	"regexp"
	"strconv"
)

// Counters are the packet and byte counts a rule starts with: iptables'
// -c PKTS BYTES (--set-counters), or the [PKTS:BYTES] prefix of a line of
// an iptables-save -c file. They are not part of the rule's meaning (Key,
// String and Equal leave them out): the kernel counts from them once the
// rule is installed, and a rule that is already installed keeps its own.
type Counters struct {
	Packets, Bytes uint64
}

// counterPrefix is the [PKTS:BYTES] prefix of a rule line in an
// iptables-save -c file.
var counterPrefix = regexp.MustCompile(`^\[(\d+):(\d+)\]\s+`)

// parseCounters parses the two values of -c.
func parseCounters(flag, pkts, bytes string) (Counters, error) {
	p, err := strconv.ParseUint(pkts, 10, 64)
	if err != nil {
		return Counters{}, argError(pkts, "%s: not a packet count", flag)
	}
	b, err := strconv.ParseUint(bytes, 10, 64)
	if err != nil {
		return Counters{}, argError(bytes, "%s: not a byte count", flag)
	}
	return Counters{Packets: p, Bytes: b}, nil
}

// String prints the counters as iptables-save -c does: [PKTS:BYTES].
func (c Counters) String() string {
	return fmt.Sprintf("[%d:%d]", c.Packets, c.Bytes)
}
