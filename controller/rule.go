package controller

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/nftsync/nftsync/rule"
)

// Protocol represents an IP protocol.
type Protocol byte

const (
	// ProtocolIPv4 represents the IPv4 protocol.
	ProtocolIPv4 Protocol = iota
	// ProtocolIPv6 represents the IPv6 protocol.
	ProtocolIPv6
)

// GetProtocol returns the protocol of an IP address of the given length.
func GetProtocol(length int) Protocol {
	if length == net.IPv6len {
		return ProtocolIPv6
	}
	return ProtocolIPv4
}

func (p Protocol) family() rule.Family {
	if p == ProtocolIPv6 {
		return rule.IPv6
	}
	return rule.IPv4
}

// Client is anything that can administer iptables-style rules: the subset of
// go-iptables' *iptables.IPTables that Kilo uses. NewClient returns one that
// works on nftables.
type Client interface {
	AppendUnique(table string, chain string, rule ...string) error
	Delete(table string, chain string, rule ...string) error
	Exists(table string, chain string, rule ...string) (bool, error)
	List(table string, chain string) ([]string, error)
	ClearChain(table string, chain string) error
	DeleteChain(table string, chain string) error
	NewChain(table string, chain string) error
	ListChains(table string) ([]string, error)
}

// Rule is a rule or a chain that a Controller keeps in place.
type Rule interface {
	Add(Client) error
	Delete(Client) error
	Exists(Client) (bool, error)
	String() string
	Proto() Protocol
}

// ruleSpec is an iptables rule: a table, a chain and the rule's arguments.
type ruleSpec struct {
	table string
	chain string
	spec  []string
	proto Protocol
	// parsed are the typed rules (iptables makes one per address pair of
	// -s a,b -d c,d), or nil when parsing failed (err says why).
	parsed []*rule.Rule
	err    error
	// key is cacheKey, computed once by NewRule; String() is
	// key[labelAt:]. sum is its sum, which a Set compares.
	key     string
	labelAt int
	sum     keySum
}

// NewRule creates a rule for iptables or ip6tables, depending on proto, in
// the given table and chain. The arguments are parsed at once; a rule that
// does not parse is reported by Set (and by Add/Exists), naming the rule.
func NewRule(proto Protocol, table, chain string, spec ...string) Rule {
	r := &ruleSpec{table: table, chain: chain, spec: spec, proto: proto}
	r.parsed, r.err = rule.ParseRules(proto.family(), spec)
	if r.err == nil {
		r.err = rule.CheckTable(table)
	}
	if r.err == nil && chain == "" {
		r.err = errors.New("empty chain name")
	}
	r.key = r.cacheKey()
	r.sum = sumKey(r.key)
	return r
}

// NewIPv4Rule creates an iptables rule in the given table and chain.
func NewIPv4Rule(table, chain string, spec ...string) Rule {
	return NewRule(ProtocolIPv4, table, chain, spec...)
}

// NewIPv6Rule creates an ip6tables rule in the given table and chain.
func NewIPv6Rule(table, chain string, spec ...string) Rule {
	return NewRule(ProtocolIPv6, table, chain, spec...)
}

// Add appends the rule through client unless it is already there.
func (r *ruleSpec) Add(client Client) error {
	if r.err != nil {
		return r.invalid()
	}
	if err := client.AppendUnique(r.table, r.chain, r.spec...); err != nil {
		return fmt.Errorf("failed to add rule %q: %w", r, err)
	}
	return nil
}

// Delete removes the rule through client. A missing rule is not an error.
func (r *ruleSpec) Delete(client Client) error {
	// As in Kilo, an error most likely means the rule does not exist.
	_ = client.Delete(r.table, r.chain, r.spec...)
	return nil
}

// Exists reports whether client has the rule.
func (r *ruleSpec) Exists(client Client) (bool, error) {
	if r.err != nil {
		return false, r.invalid()
	}
	return client.Exists(r.table, r.chain, r.spec...)
}

// String returns the rule as Kilo prints it:
// `nat -A POSTROUTING -s 10.4.0.0/16 -m comment --comment "Kilo: jump" -j KILO-NAT`.
func (r *ruleSpec) String() string {
	if r == nil {
		return ""
	}
	if r.key != "" {
		return r.key[r.labelAt:]
	}
	var b strings.Builder
	r.writeString(&b)
	return b.String()
}

func (r *ruleSpec) writeString(b *strings.Builder) {
	b.WriteString(r.table + " -A " + r.chain)
	for i, s := range r.spec {
		b.WriteByte(' ')
		if i > 0 && r.spec[i-1] == "--comment" {
			b.WriteString(`"` + s + `"`)
		} else {
			b.WriteString(s)
		}
	}
}

// Proto returns the rule's protocol.
func (r *ruleSpec) Proto() Protocol { return r.proto }

// cacheKey identifies the rule's text exactly: its protocol, the lengths of
// its table, chain and arguments, then String() from labelAt on, which
// alone could make two argument lists look alike (it quotes only comments)
// but not with the lengths. Since String() ends the key, a rule holds one
// string for both (the label is a substring of the key); a Set keeps only
// the key's sum (sumKey).
func (r *ruleSpec) cacheKey() string {
	if r.key != "" {
		return r.key
	}
	var b strings.Builder
	n := 2*len(r.spec) + 16 + len(r.table) + len(r.chain)
	for _, s := range r.spec {
		n += len(s) + 1
	}
	b.Grow(n)
	b.WriteByte(byte(r.proto))
	var v [binary.MaxVarintLen64]byte
	for _, l := range append([]int{len(r.table), len(r.chain), len(r.spec)}, argLens(r.spec)...) {
		b.Write(binary.AppendUvarint(v[:0], uint64(l)))
	}
	r.labelAt = b.Len()
	r.writeString(&b)
	return b.String()
}

func argLens(spec []string) []int {
	out := make([]int, len(spec))
	for i, s := range spec {
		out[i] = len(s)
	}
	return out
}

func (r *ruleSpec) invalid() error {
	return fmt.Errorf("invalid rule %q: %w", r, r.err)
}

// chainSpec is a user-defined chain.
type chainSpec struct {
	table string
	chain string
	proto Protocol
}

// NewIPv4Chain creates an iptables chain in the given table.
func NewIPv4Chain(table, name string) Rule {
	return &chainSpec{table: table, chain: name, proto: ProtocolIPv4}
}

// NewIPv6Chain creates an ip6tables chain in the given table.
func NewIPv6Chain(table, name string) Rule {
	return &chainSpec{table: table, chain: name, proto: ProtocolIPv6}
}

// Add creates the chain, or empties it if it exists.
func (c *chainSpec) Add(client Client) error {
	// ClearChain creates a chain that does not exist.
	if err := client.ClearChain(c.table, c.chain); err != nil {
		return fmt.Errorf("failed to add chain %q: %w", c, err)
	}
	return nil
}

// Delete empties and removes the chain; a missing chain is not an error.
func (c *chainSpec) Delete(client Client) error {
	if err := client.ClearChain(c.table, c.chain); err != nil {
		return fmt.Errorf("failed to clear chain %q: %w", c, err)
	}
	_ = client.DeleteChain(c.table, c.chain)
	return nil
}

// Exists reports whether the chain exists.
func (c *chainSpec) Exists(client Client) (bool, error) {
	chains, err := client.ListChains(c.table)
	if err != nil {
		return false, fmt.Errorf("failed to list chains of table %s: %w", c.table, err)
	}
	for _, ch := range chains {
		if ch == c.chain {
			return true, nil
		}
	}
	return false, nil
}

// String returns the chain as Kilo prints it: `nat -N KILO-NAT`.
func (c *chainSpec) String() string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf("%s -N %s", c.table, c.chain)
}

// Proto returns the chain's protocol.
func (c *chainSpec) Proto() Protocol { return c.proto }
