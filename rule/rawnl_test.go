package rule

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Raw netlink access for the kernel tests: google/nftables has no way to
// send an expression it cannot marshal itself (ExprMarshaler), and its
// decoder drops attributes it does not know (masquerade flags, bitwise
// shifts), so the tests install and read such rules over a plain netfilter
// netlink socket.

// nftMsg is the netlink message type of an nf_tables message.
func nftMsg(msg int) netlink.HeaderType {
	return netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | msg)
}

// nfgenmsg is the header every nfnetlink message starts with.
func nfgenmsg(fam byte, resID uint16) []byte {
	b := []byte{fam, unix.NFNETLINK_V0, 0, 0}
	binary.BigEndian.PutUint16(b[2:], resID)
	return b
}

// rawDial opens a netfilter netlink socket in the namespace fd.
func rawDial(nsFd int) (*netlink.Conn, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: nsFd})
	if err != nil {
		return nil, fmt.Errorf("opening a netfilter netlink socket: %w", err)
	}
	return c, nil
}

// rawMarshalExprs marshals a rule's expressions, through MarshalExpr where
// an expression implements ExprMarshaler.
func rawMarshalExprs(fam byte, exprs []expr.Any) ([][]byte, error) {
	out := make([][]byte, len(exprs))
	for i, e := range exprs {
		b, err := MarshalExpr(fam, e)
		if err != nil {
			return nil, fmt.Errorf("marshalling expression %d (%T): %w", i, e, err)
		}
		out[i] = b
	}
	return out, nil
}

// rawAddRule appends a rule made of already marshalled expressions to
// table/chain, in a batch of its own.
func rawAddRule(c *netlink.Conn, fam byte, table, chain string, exprs [][]byte, udata []byte, extra ...[]byte) error {
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.NFTA_RULE_TABLE, table)
	ae.String(unix.NFTA_RULE_CHAIN, chain)
	ae.Nested(unix.NFTA_RULE_EXPRESSIONS, func(nae *netlink.AttributeEncoder) error {
		for _, e := range exprs {
			nae.Do(unix.NLA_F_NESTED|unix.NFTA_LIST_ELEM, func() ([]byte, error) { return e, nil })
		}
		return nil
	})
	if udata != nil {
		ae.Bytes(unix.NFTA_RULE_USERDATA, udata)
	}
	attrs, err := ae.Encode()
	if err != nil {
		return fmt.Errorf("encoding rule: %w", err)
	}
	for _, a := range extra {
		attrs = append(attrs, a...)
	}
	batch := func(typ int) netlink.Message {
		return netlink.Message{
			Header: netlink.Header{Type: netlink.HeaderType(typ), Flags: netlink.Request},
			Data:   nfgenmsg(unix.AF_UNSPEC, unix.NFNL_SUBSYS_NFTABLES),
		}
	}
	msgs := []netlink.Message{
		batch(unix.NFNL_MSG_BATCH_BEGIN),
		{
			Header: netlink.Header{Type: nftMsg(unix.NFT_MSG_NEWRULE), Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Append},
			Data:   append(nfgenmsg(fam, 0), attrs...),
		},
		batch(unix.NFNL_MSG_BATCH_END),
	}
	if _, err := c.SendMessages(msgs); err != nil {
		return fmt.Errorf("sending rule batch: %w", err)
	}
	if _, err := c.Receive(); err != nil {
		return fmt.Errorf("adding rule to %s %s: %w", table, chain, err)
	}
	return nil
}

// rawRuleExprs dumps the rules of table/chain and returns, for each rule,
// its expressions exactly as the kernel encodes them (the contents of each
// NFTA_LIST_ELEM of NFTA_RULE_EXPRESSIONS).
func rawRuleExprs(c *netlink.Conn, fam byte, table, chain string) ([][][]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.NFTA_RULE_TABLE, table)
	ae.String(unix.NFTA_RULE_CHAIN, chain)
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: nftMsg(unix.NFT_MSG_GETRULE), Flags: netlink.Request | netlink.Dump},
		Data:   append(nfgenmsg(fam, 0), attrs...),
	})
	if err != nil {
		return nil, fmt.Errorf("dumping rules of %s %s: %w", table, chain, err)
	}
	var rules [][][]byte
	for _, m := range msgs {
		if len(m.Data) < 4 {
			return nil, fmt.Errorf("dumping rules of %s %s: short message", table, chain)
		}
		ad, err := netlink.NewAttributeDecoder(m.Data[4:])
		if err != nil {
			return nil, err
		}
		var elems [][]byte
		for ad.Next() {
			if ad.Type() != unix.NFTA_RULE_EXPRESSIONS {
				continue
			}
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					if nad.Type() == unix.NFTA_LIST_ELEM {
						elems = append(elems, nad.Bytes())
					}
				}
				return nil
			})
		}
		if err := ad.Err(); err != nil {
			return nil, fmt.Errorf("decoding a rule of %s %s: %w", table, chain, err)
		}
		rules = append(rules, elems)
	}
	return rules, nil
}

// clearNested returns b, a list of netlink attributes, with the
// NLA_F_NESTED flag cleared on every attribute at any depth that carries
// it: the kernel does not set it on what it dumps, senders do.
func clearNested(b []byte) []byte {
	out := append([]byte(nil), b...)
	clearNestedIn(out)
	return out
}

func clearNestedIn(b []byte) {
	for len(b) >= unix.NLA_HDRLEN {
		n := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:])
		if n < unix.NLA_HDRLEN || n > len(b) {
			return
		}
		if typ&unix.NLA_F_NESTED != 0 {
			binary.NativeEndian.PutUint16(b[2:], typ&^unix.NLA_F_NESTED)
			clearNestedIn(b[unix.NLA_HDRLEN:n])
		}
		next := (n + unix.NLA_ALIGNTO - 1) &^ (unix.NLA_ALIGNTO - 1)
		if next > len(b) {
			return
		}
		b = b[next:]
	}
}
