package iptables

import (
	"fmt"
	"net"

	"github.com/nftsync/nftsync/controller"
)

// Protocol represents an IP protocol.
type Protocol = controller.Protocol

const (
	// ProtocolIPv4 represents the IPv4 protocol.
	ProtocolIPv4 = controller.ProtocolIPv4
	// ProtocolIPv6 represents the IPv6 protocol.
	ProtocolIPv6 = controller.ProtocolIPv6
)

// GetProtocol returns the protocol of an IP address. An IPv4 address held in
// 16 bytes (as net.ParseIP returns it) is IPv4.
func GetProtocol(ip net.IP) Protocol {
	if len(ip) == net.IPv4len || ip.To4() != nil {
		return ProtocolIPv4
	}
	return ProtocolIPv6
}

// Client represents any type that can administer iptables rules, such as
// go-iptables' *iptables.IPTables: the controller package's Client (Kilo's
// older one) and InsertUnique.
type Client interface {
	controller.Client
	InsertUnique(table, chain string, pos int, rule ...string) error
}

// Rule is an iptables rule or chain.
type Rule interface {
	Append(Client) error
	Prepend(Client) error
	Delete(Client) error
	Exists(Client) (bool, error)
	String() string
	Proto() Protocol
}

// rule is a rule or a chain: the controller's, which parses it once and
// which Set hands to the engine, plus what Prepend needs.
type rule struct {
	r            controller.Rule
	table, chain string
	spec         []string
	isChain      bool
}

// NewRule creates a new iptables or ip6tables rule in the given table and
// chain depending on the given protocol. The arguments are parsed at once;
// a rule that does not parse is reported by Set, naming the rule.
func NewRule(proto Protocol, table, chain string, spec ...string) Rule {
	return &rule{r: controller.NewRule(proto, table, chain, spec...), table: table, chain: chain, spec: spec}
}

// NewIPv4Rule creates a new iptables rule in the given table and chain.
func NewIPv4Rule(table, chain string, spec ...string) Rule {
	return NewRule(ProtocolIPv4, table, chain, spec...)
}

// NewIPv6Rule creates a new ip6tables rule in the given table and chain.
func NewIPv6Rule(table, chain string, spec ...string) Rule {
	return NewRule(ProtocolIPv6, table, chain, spec...)
}

// NewIPv4Chain creates a new iptables chain in the given table.
func NewIPv4Chain(table, name string) Rule {
	return &rule{r: controller.NewIPv4Chain(table, name), table: table, chain: name, isChain: true}
}

// NewIPv6Chain creates a new ip6tables chain in the given table.
func NewIPv6Chain(table, name string) Rule {
	return &rule{r: controller.NewIPv6Chain(table, name), table: table, chain: name, isChain: true}
}

// Append adds the rule at the end of its chain unless an equal rule is
// there; for a chain, it creates the chain or empties it.
func (r *rule) Append(client Client) error { return r.r.Add(client) }

// Prepend inserts the rule at the top of its chain unless an equal rule is
// there; for a chain, it is Append.
func (r *rule) Prepend(client Client) error {
	if r.isChain {
		return r.Append(client)
	}
	if err := client.InsertUnique(r.table, r.chain, 1, r.spec...); err != nil {
		return fmt.Errorf("failed to prepend rule %q: %w", r, err)
	}
	return nil
}

// Delete removes the rule, or empties and removes the chain. A rule or
// chain that does not exist is not an error.
func (r *rule) Delete(client Client) error { return r.r.Delete(client) }

// Exists reports whether the client has the rule or chain.
func (r *rule) Exists(client Client) (bool, error) { return r.r.Exists(client) }

// String returns the rule as Kilo prints it: `nat -A KILO-NAT -j
// MASQUERADE`, or `nat -N KILO-NAT` for a chain.
func (r *rule) String() string {
	if r == nil {
		return ""
	}
	return r.r.String()
}

// Proto returns the rule's protocol.
func (r *rule) Proto() Protocol { return r.r.Proto() }
