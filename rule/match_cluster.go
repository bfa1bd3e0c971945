package rule

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// Cluster is the cluster match: the packet's connection hashes (seeded
// with HashSeed, modulo TotalNodes) to one of the nodes in NodeMask (bit
// N-1 for node N).
//
// iptables-translate prints "jhash ct original saddr ... meta pkttype set
// host", which differs three ways: xt_cluster hashes a related
// connection's master, turns link-layer multicast into host for every
// packet it sees (matched or not), and its node numbers start at 1 where
// the printed "eq N" counts from 0. nftsync installs xt_cluster itself.
type Cluster struct {
	TotalNodes, NodeMask, HashSeed uint32
	Invert                         bool
	seen                           map[string]bool
}

// Name returns "cluster".
func (m *Cluster) Name() string   { return "cluster" }
func (m *Cluster) stateful() bool { return false }

func (m *Cluster) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--cluster-total-nodes", "--cluster-local-node", "--cluster-local-nodemask", "--cluster-hash-seed":
	default:
		return false, nil
	}
	local := opt == "--cluster-local-node" || opt == "--cluster-local-nodemask"
	if !local {
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
	}
	key := opt
	if local {
		key = "local"
	}
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	v, err := p.onceValue(opt, m.seen[key])
	if err != nil {
		return true, err
	}
	m.seen[key] = true
	n, err := parseUint(v, 32)
	if err != nil {
		return true, argError(v, "%v", err)
	}
	switch opt {
	case "--cluster-total-nodes":
		if n == 0 || n > 32 {
			return true, argError(v, "the number of nodes must be between 1 and 32")
		}
		m.TotalNodes = uint32(n)
	case "--cluster-local-node":
		if n == 0 || n > 32 {
			return true, argError(v, "a node number must be between 1 and 32")
		}
		m.NodeMask, m.Invert = 1<<(n-1), invert
	case "--cluster-local-nodemask":
		m.NodeMask, m.Invert = uint32(n), invert
	case "--cluster-hash-seed":
		m.HashSeed = uint32(n)
	}
	return true, nil
}

func (m *Cluster) finish(*Rule) error {
	switch {
	case !m.seen["--cluster-total-nodes"]:
		return argError("-m cluster", "needs --cluster-total-nodes")
	case !m.seen["local"]:
		return argError("-m cluster", "needs --cluster-local-node or --cluster-local-nodemask")
	case !m.seen["--cluster-hash-seed"]:
		return argError("-m cluster", "needs --cluster-hash-seed")
	case uint64(m.NodeMask) >= 1<<m.TotalNodes:
		return argError("-m cluster", "node mask 0x%x names a node beyond --cluster-total-nodes %d", m.NodeMask, m.TotalNodes)
	}
	return nil
}

// args are in iptables-save order: the node always as a mask.
func (m *Cluster) args() []string {
	return append(invertArgs(m.Invert, "--cluster-local-nodemask", fmt.Sprintf("0x%08x", m.NodeMask)),
		"--cluster-total-nodes", strconv.FormatUint(uint64(m.TotalNodes), 10),
		"--cluster-hash-seed", fmt.Sprintf("0x%08x", m.HashSeed))
}

func (m *Cluster) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXt(m.text(), "which hashes the connection itself (not a related one's master), rewrites pkttype of matched packets only and counts nodes from 0",
		ext, info)
}

// text is iptables-translate's: one node as "eq" the 1-based number of
// its bit, several as a set of 0-based bit numbers.
func (m *Cluster) text() string {
	s := fmt.Sprintf("jhash ct original saddr mod %d seed 0x%x ", m.TotalNodes, m.HashSeed)
	if bits.OnesCount32(m.NodeMask) == 1 {
		s += fmt.Sprintf("%s %d", map[bool]string{false: "eq", true: "!="}[m.Invert], bits.TrailingZeros32(m.NodeMask)+1)
	} else {
		var nodes []string
		for i := 0; i < 32; i++ {
			if m.NodeMask&(1<<i) != 0 {
				nodes = append(nodes, strconv.Itoa(i))
			}
		}
		s += neq(m.Invert) + "{ " + strings.Join(nodes, ", ") + " }"
	}
	return s + " meta pkttype set host"
}

// xtInfo encodes the match as struct xt_cluster_match_info.
func (m *Cluster) xtInfo() (*xt.Ext, []byte) {
	c := xt.Cluster{TotalNodes: m.TotalNodes, NodeMask: m.NodeMask, HashSeed: m.HashSeed}
	if m.Invert {
		c.Flags = xt.ClusterInvert
	}
	return xt.ClusterMatch, c.Marshal()
}
