package nft

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// The builders below append one kind of nftables message each. They never
// set NLM_F_ACK or NLM_F_ECHO: sender.send asks for the few echoes it needs.

func (b *batch) newTable(fam rule.Family, name string) {
	b.add(unix.NFT_MSG_NEWTABLE, netlink.Create,
		head(fam).str(unix.NFTA_TABLE_NAME, name).u32(unix.NFTA_TABLE_FLAGS, 0),
		text("table %s %s", fam, name), false)
}

func (b *batch) delTable(fam rule.Family, name string) {
	b.add(unix.NFT_MSG_DELTABLE, 0,
		head(fam).str(unix.NFTA_TABLE_NAME, name),
		text("deleting table %s %s", fam, name), false)
}

// newChain creates a chain; a base chain gets its hook, type and policy.
func (b *batch) newChain(fam rule.Family, table string, c *wantChain) {
	a := head(fam).str(unix.NFTA_CHAIN_TABLE, table).str(unix.NFTA_CHAIN_NAME, c.name)
	if c.base != nil {
		hook := attrs(nil).u32(unix.NFTA_HOOK_HOOKNUM, c.base.Hook).u32(unix.NFTA_HOOK_PRIORITY, uint32(c.base.Priority))
		a = a.nested(unix.NFTA_CHAIN_HOOK, hook).u32(unix.NFTA_CHAIN_POLICY, c.policy).str(unix.NFTA_CHAIN_TYPE, c.base.Type)
	}
	if c.udata != nil {
		a = a.bytes(nftaChainUserdata, c.udata)
	}
	b.add(unix.NFT_MSG_NEWCHAIN, netlink.Create, a,
		text("chain %s %s %s", fam, table, c.name), false)
}

// setPolicy changes the policy of an existing base chain.
func (b *batch) setPolicy(fam rule.Family, table string, c *wantChain) {
	b.add(unix.NFT_MSG_NEWCHAIN, 0,
		head(fam).str(unix.NFTA_CHAIN_TABLE, table).str(unix.NFTA_CHAIN_NAME, c.name).u32(unix.NFTA_CHAIN_POLICY, c.policy),
		text("policy of chain %s %s %s", fam, table, c.name), false)
}

func (b *batch) delChain(fam rule.Family, table, chain string) {
	b.add(unix.NFT_MSG_DELCHAIN, 0,
		head(fam).str(unix.NFTA_CHAIN_TABLE, table).str(unix.NFTA_CHAIN_NAME, chain),
		text("deleting chain %s %s %s", fam, table, chain), false)
}

// flushChain deletes all rules of a chain.
func (b *batch) flushChain(fam rule.Family, table, chain string) {
	b.add(unix.NFT_MSG_DELRULE, 0,
		head(fam).str(unix.NFTA_RULE_TABLE, table).str(unix.NFTA_RULE_CHAIN, chain),
		text("flushing chain %s %s %s", fam, table, chain), false)
}

func (b *batch) delRule(fam rule.Family, table, chain string, handle uint64, label func() string) {
	b.add(unix.NFT_MSG_DELRULE, 0,
		head(fam).str(unix.NFTA_RULE_TABLE, table).str(unix.NFTA_RULE_CHAIN, chain).u64(unix.NFTA_RULE_HANDLE, handle),
		label, true)
}

// newRule adds a rule before the rule with handle before, or at the end of
// the chain when before is 0. Its anonymous sets are created first.
func (b *batch) newRule(fam rule.Family, table, chain string, r *wantRule, before uint64) error {
	e := r.ent
	body, err := e.wire()
	if err != nil {
		return &firewall.RuleError{Rule: r.label(), Err: err}
	}
	if e.withSets != nil {
		exprs := append([]expr.Any(nil), e.withSets.exprs...)
		for _, s := range e.withSets.sets {
			b.setID++
			id := b.setID
			b.newSet(fam, table, s, id, r.label)
			for i, x := range exprs {
				if l, ok := x.(*expr.Lookup); ok && l.SetName == s.SetName {
					cp := *l
					cp.SetName, cp.SetID = "__set%d", id
					exprs[i] = &cp
				}
			}
		}
		elems := make([][]byte, len(exprs))
		for i, x := range exprs {
			eb, err := rule.MarshalExpr(nfproto(fam), x)
			if err != nil {
				return &firewall.RuleError{Rule: r.label(), Err: fmt.Errorf("marshalling expression %T: %w", x, err)}
			}
			elems[i] = eb
		}
		if body, err = ruleBody(elems, e.userdata(), e.compat()...); err != nil {
			return &firewall.RuleError{Rule: r.label(), Err: err}
		}
	}
	flags := netlink.Create
	var a attrs
	if before != 0 {
		a = ruleHead(fam, table, chain, 12).u64(unix.NFTA_RULE_POSITION, before)
	} else {
		flags |= netlink.Append
		a = b.appendHead(fam, table, chain)
	}
	// The body is sent from the entry, not copied (see message).
	b.addBody(unix.NFT_MSG_NEWRULE, flags, a, body, r.label, true)
	return nil
}

// ruleHead returns the attributes a NEWRULE message starts with, with room
// for extra more bytes.
func ruleHead(fam rule.Family, table, chain string, extra int) attrs {
	a := make(attrs, 0, 4+2*unix.NLA_HDRLEN+nlaAlign(len(table)+1)+nlaAlign(len(chain)+1)+extra)
	a = append(a, nfgen(nfproto(fam), 0)...)
	return a.str(unix.NFTA_RULE_TABLE, table).str(unix.NFTA_RULE_CHAIN, chain)
}

// appendHead returns the head of a rule appended to a chain: the same for
// every rule appended to it, so the messages of consecutive ones share it
// (its capacity is its length: an append to it copies).
func (b *batch) appendHead(fam rule.Family, table, chain string) attrs {
	h := &b.appended
	if h.data == nil || h.fam != fam || h.table != table || h.chain != chain {
		a := ruleHead(fam, table, chain, 0)
		*h = ruleHeadCache{fam: fam, table: table, chain: chain, data: a[:len(a):len(a)]}
	}
	return h.data
}

// ruleHeadCache is the head of the latest rule appended (see appendHead).
type ruleHeadCache struct {
	fam          rule.Family
	table, chain string
	data         attrs
}

// nftaSetFieldLen is NFTA_SET_FIELD_LEN, the length of one field of a
// concatenated set key.
const nftaSetFieldLen = 1

// newSet creates a rule's anonymous constant set and its elements.
func (b *batch) newSet(fam rule.Family, table string, s *rule.AnonSet, id uint32, label func() string) {
	flags := uint32(unix.NFT_SET_ANONYMOUS | unix.NFT_SET_CONSTANT)
	if s.Interval {
		flags |= unix.NFT_SET_INTERVAL
	}
	if s.Concat {
		flags |= nftables.NFT_SET_CONCAT
	}
	desc := attrs(nil).u32(unix.NFTA_SET_DESC_SIZE, uint32(len(s.Elements)))
	if s.Concat {
		var concat attrs
		for _, t := range nftables.ConcatSetTypeElements(s.KeyType) {
			field := attrs(nil).u32(nftaSetFieldLen, t.Bytes)
			concat = concat.nested(unix.NFTA_LIST_ELEM, field)
		}
		desc = desc.nested(nftables.NFTA_SET_DESC_CONCAT, concat)
	}
	a := head(fam).str(unix.NFTA_SET_TABLE, table).str(unix.NFTA_SET_NAME, "__set%d").
		u32(unix.NFTA_SET_FLAGS, flags).
		u32(unix.NFTA_SET_KEY_TYPE, s.KeyType.GetNFTMagic()).
		u32(unix.NFTA_SET_KEY_LEN, s.KeyType.Bytes).
		u32(unix.NFTA_SET_ID, id).
		nested(unix.NFTA_SET_DESC, desc).
		bytes(unix.NFTA_SET_USERDATA, userdata.AppendUint32(nil, userdata.NFTNL_UDATA_SET_KEYBYTEORDER, 2))
	b.add(unix.NFT_MSG_NEWSET, netlink.Create, a, label, true)
	if len(s.Elements) == 0 {
		return
	}
	var list attrs
	for _, e := range s.Elements {
		var item attrs
		if e.IntervalEnd {
			item = item.u32(unix.NFTA_SET_ELEM_FLAGS, unix.NFT_SET_ELEM_INTERVAL_END)
		}
		item = item.nested(unix.NFTA_SET_ELEM_KEY, attrs(nil).bytes(unix.NFTA_DATA_VALUE, e.Key))
		if len(e.KeyEnd) > 0 {
			item = item.nested(nftables.NFTA_SET_ELEM_KEY_END, attrs(nil).bytes(unix.NFTA_DATA_VALUE, e.KeyEnd))
		}
		list = list.nested(unix.NFTA_LIST_ELEM, item)
	}
	b.add(unix.NFT_MSG_NEWSETELEM, netlink.Create,
		head(fam).str(unix.NFTA_SET_ELEM_LIST_SET, "__set%d").u32(unix.NFTA_SET_ELEM_LIST_SET_ID, id).
			str(unix.NFTA_SET_ELEM_LIST_TABLE, table).nested(unix.NFTA_SET_ELEM_LIST_ELEMENTS, list),
		label, true)
}
