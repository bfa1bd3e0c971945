package nft

import (
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// errInterrupted says a dump saw the ruleset change while it ran
// (NLM_F_DUMP_INTR); the read is retried.
var errInterrupted = errors.New("dump interrupted by a concurrent ruleset change")

// readBuffer is the receive buffer: large enough for the error replies of
// a big rejected batch.
const readBuffer = 16 << 20

// dial opens a netfilter netlink socket, inside the network namespace nsfd
// when it is not -1.
func dial(nsfd int) (*netlink.Conn, error) {
	// A large receive buffer per recvmsg makes the kernel fill each dump
	// reply up to its 32 KB maximum; with mdlayher's default (a buffer
	// sized by peeking) replies stay small, and since a rule dump restarts
	// from the head of the chain for every reply, a 50k-rule dump took
	// 7x longer. No bigger than needed: the buffer comes from a
	// sync.Pool, which a collection empties, and was allocated (and
	// zeroed) again for every other one-rule change at 10k rules when it
	// was 256 KB. An error reply holds the refused message, a rule or a
	// small anonymous set: far less.
	cfg := &netlink.Config{MessageBufferSize: 64 << 10}
	if nsfd >= 0 {
		cfg.NetNS = nsfd
	}
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening netfilter netlink socket: %w", err)
	}
	// Extended ACKs carry the kernel's reason for a refused message.
	if err := c.SetOption(netlink.ExtendedAcknowledge, true); err != nil {
		c.Close()
		return nil, fmt.Errorf("enabling extended netlink ACKs: %w", err)
	}
	// NETLINK_CAP_ACK is not set: mdlayher/netlink v1.11 misparses capped
	// extended ACKs (it loses the sequence). An error reply then carries
	// the whole refused message; only refused messages get one, so the
	// receive buffer below holds them.
	if err := c.SetReadBuffer(readBuffer); err != nil {
		c.Close()
		return nil, fmt.Errorf("sizing netlink receive buffer: %w", err)
	}
	return c, nil
}

// getGenMsg is the NFT_MSG_GETGEN request.
func getGenMsg() netlink.Message {
	return netlink.Message{
		Header: netlink.Header{Type: nftType(unix.NFT_MSG_GETGEN), Flags: netlink.Request},
		Data:   nfgen(unix.AF_UNSPEC, 0),
	}
}

// genOf decodes the generation id of a NEWGEN message.
func genOf(m netlink.Message) (uint32, bool) {
	if m.Header.Type != nftType(unix.NFT_MSG_NEWGEN) {
		return 0, false
	}
	var id uint32
	found := false
	_ = attrList(m.Data, func(typ uint16, b []byte) error {
		if typ == unix.NFTA_GEN_ID {
			id, found = be32(b), true
		}
		return nil
	})
	return id, found
}

// getGen returns the ruleset generation of the socket's namespace.
func getGen(c *netlink.Conn) (uint32, error) {
	msgs, err := c.Execute(getGenMsg())
	if err != nil {
		return 0, fmt.Errorf("reading the ruleset generation: %w", err)
	}
	for _, m := range msgs {
		if id, ok := genOf(m); ok {
			return id, nil
		}
	}
	return 0, errors.New("reading the ruleset generation: no NEWGEN in the reply")
}

// dump runs one NLM_F_DUMP request and returns the messages; a reply marked
// NLM_F_DUMP_INTR makes it fail with errInterrupted.
func dump(c *netlink.Conn, msgType int, family uint8, filter attrs) ([]netlink.Message, error) {
	req := netlink.Message{
		Header: netlink.Header{Type: nftType(msgType), Flags: netlink.Request | netlink.Dump},
		Data:   append(nfgen(family, 0), filter...),
	}
	msgs, err := c.Execute(req)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Header.Flags&netlink.DumpInterrupted != 0 {
			return nil, errInterrupted
		}
	}
	return msgs, nil
}
