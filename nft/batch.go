package nft

import (
	"errors"
	"fmt"
	"slices"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// batch is an nftables transaction being built: the messages and, for each,
// what it does in words, so that a refusal by the kernel names the rule.
type batch struct {
	msgs   []message
	labels []func() string
	// rule is true for messages that install or remove a rule: their
	// refusal becomes a *firewall.RuleError.
	rule  []bool
	size  int
	setID uint32
	// noGen says the first message is not to be echoed (see quietStart):
	// the new generation is then not learnt.
	noGen bool
	// appended is the head of the latest rule appended (see appendHead).
	appended ruleHeadCache
}

// message is one message of a batch. A new rule's message is Data (its
// header attributes: table, chain, position) followed by body, the
// attributes its entry holds ready (entry.body), sent without being copied
// into a message of its own (see encode). Neither is modified once in a
// batch.
type message struct {
	Header netlink.Header
	Data   []byte
	body   attrs
}

// handle returns the handle a DELRULE message names.
func (m *message) handle() (uint64, bool) {
	return ruleHandle(m.Data)
}

// len returns the length of the message's data (header excluded).
func (m *message) len() int { return len(m.Data) + len(m.body) }

// head starts the data of a message for family fam: the nfgenmsg header.
func head(fam rule.Family) attrs { return nfgen(nfproto(fam), 0) }

// add appends a message; data starts with its nfgenmsg header.
func (b *batch) add(msg int, flags netlink.HeaderFlags, data attrs, label func() string, isRule bool) {
	b.addBody(msg, flags, data, nil, label, isRule)
}

// addBody appends a message whose data is data followed by body.
func (b *batch) addBody(msg int, flags netlink.HeaderFlags, data, body attrs, label func() string, isRule bool) {
	b.msgs = append(b.msgs, message{
		Header: netlink.Header{Type: nftType(msg), Flags: netlink.Request | flags},
		Data:   data,
		body:   body,
	})
	b.labels = append(b.labels, label)
	b.rule = append(b.rule, isRule)
	b.size += unix.NLMSG_HDRLEN + len(data) + len(body)
}

// grow makes room for n more messages.
func (b *batch) grow(n int) {
	b.msgs = grown(b.msgs, n)
	b.labels = grown(b.labels, n)
	b.rule = grown(b.rule, n)
}

// grown makes room in s for n more elements, at least doubling it when it
// grows: a plan grows its slices chain by chain (segment by segment), and
// growing them by each chain's needs alone copied them over and over.
func grown[S ~[]E, E any](s S, n int) S {
	if cap(s)-len(s) >= n {
		return s
	}
	return slices.Grow(s, max(n, len(s)))
}

// allocates reports whether message i takes a handle from its table's
// counter: new rules and sets do.
func (b *batch) allocates(i int) bool {
	t := b.msgs[i].Header.Type
	return t == nftType(unix.NFT_MSG_NEWRULE) || t == nftType(unix.NFT_MSG_NEWSET)
}

// text is a label that is known in advance.
func text(format string, a ...any) func() string {
	return func() string { return fmt.Sprintf(format, a...) }
}

// empty reports whether the batch changes nothing.
func (b *batch) empty() bool { return len(b.msgs) == 0 }

// errRestart says the ruleset changed between the read and the write: the
// kernel refused the batch because of its generation id.
var errRestart = errors.New("ruleset changed since it was read (ERESTART)")

// errBroken wraps failures after which the socket's state is unknown: it is
// closed and the next operation re-reads everything.
type errBroken struct{ err error }

// Error returns the wrapped error's text.
func (e *errBroken) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e *errBroken) Unwrap() error { return e.err }

// sender sends batches over one socket.
type sender struct {
	c       *netlink.Conn
	sndbuf  int
	onBatch func()
	// seq numbers the messages of the next batch (see nextSeq).
	seq uint32
}

// sent is what the kernel reported about a committed batch.
type sent struct {
	// gen is the generation the commit created (0: not reported).
	gen uint32
	// handles maps the index of an echoed NEWRULE message to the handle
	// of the rule it created.
	handles map[int]uint64
}

// send commits the batch atomically, refused by the kernel when the ruleset
// generation is no longer genID. The messages at the indexes in echo ask
// for an echo, which tells the handles of the rules they create.
//
// No message asks for an ACK: the kernel processes the whole batch inside
// sendmsg and queues a reply only for a failing message, an echo and the
// new generation (see below). A GETGEN sent right after serves as a
// barrier: its reply comes after all of them.
func (s *sender) send(b *batch, genID uint32, echo []int) (sent, error) {
	head := nfgen(unix.AF_UNSPEC, unix.NFNL_SUBSYS_NFTABLES)
	if genID != 0 {
		head = head.u32(unix.NFNL_BATCH_GENID, genID)
	}
	// The batch's messages and the barrier are numbered beginSeq,
	// beginSeq+1, ...; the kernel reports the new generation to the
	// sender of the first message after the batch begin when that message
	// asks for an echo (the message itself is echoed too, and ignored
	// unless it is a rule): see encode.
	pid := s.c.PID()
	beginSeq := s.nextSeq(len(b.msgs) + 3)
	buf := b.encode(head, beginSeq, pid, echo)
	// netlink refuses a message larger than the send buffer; the kernel
	// doubles the value set.
	if need := len(buf) + 4096; need > s.sndbuf {
		if err := s.c.SetWriteBuffer(need); err != nil {
			return sent{}, &errBroken{fmt.Errorf("sizing the netlink send buffer to %d bytes: %w", need, err)}
		}
		s.sndbuf = need
	}
	if err := s.write(buf); err != nil {
		return sent{}, &errBroken{fmt.Errorf("sending a batch of %d messages (%d bytes): %w", len(b.msgs)+2, len(buf), err)}
	}
	s.onBatch()
	barrierSeq := beginSeq + uint32(len(b.msgs)) + 2
	gm := getGenMsg()
	if err := s.write(appendMsg(nil, gm.Header.Type, gm.Header.Flags, barrierSeq, pid, gm.Data, nil)); err != nil {
		return sent{}, &errBroken{fmt.Errorf("sending the barrier after a batch: %w", err)}
	}
	res := sent{handles: make(map[int]uint64, len(echo))}
	var first error
	for {
		replies, err := s.c.Receive()
		if err != nil {
			var op *netlink.OpError
			if !errors.As(err, &op) || op.Sequence == 0 {
				return sent{}, &errBroken{fmt.Errorf("receiving the batch's replies: %w", err)}
			}
			if first == nil {
				first = s.refusal(b, op, beginSeq)
			}
			continue
		}
		for _, m := range replies {
			if m.Header.Type == nftType(unix.NFT_MSG_NEWRULE) {
				if i := int(m.Header.Sequence - beginSeq - 1); i >= 0 && i < len(b.msgs) {
					if h, ok := ruleHandle(m.Data); ok {
						res.handles[i] = h
					}
				}
				continue
			}
			id, ok := genOf(m)
			if !ok {
				continue
			}
			switch m.Header.Sequence {
			case beginSeq + 1:
				res.gen = id
			case barrierSeq:
				if first != nil {
					return sent{}, first
				}
				return res, nil
			}
		}
	}
}

// ruleHandle decodes the handle in the data of a rule's message.
func ruleHandle(data []byte) (uint64, bool) {
	var h uint64
	found := false
	_ = attrList(data, func(typ uint16, b []byte) error {
		if typ == unix.NFTA_RULE_HANDLE && len(b) == 8 {
			h, found = be64(b), true
		}
		return nil
	})
	return h, found
}

// refusal turns the kernel's error for one message into an error naming
// what that message did.
func (s *sender) refusal(b *batch, op *netlink.OpError, beginSeq uint32) error {
	reason := op.Err
	if op.Message != "" {
		reason = fmt.Errorf("%s: %w", op.Message, op.Err)
	}
	if op.Sequence == beginSeq {
		if errors.Is(op.Err, unix.ERESTART) {
			return errRestart
		}
		return fmt.Errorf("kernel refused the batch: %w", reason)
	}
	i := int(op.Sequence - beginSeq - 1)
	if i < 0 || i >= len(b.msgs) {
		return fmt.Errorf("kernel refused message %d of the batch: %w", op.Sequence-beginSeq, reason)
	}
	if op.Message == "" {
		reason = hint(b.msgs[i].Header.Type, op.Err)
	}
	if b.rule[i] {
		return &firewall.RuleError{Rule: b.labels[i](), Err: reason}
	}
	return fmt.Errorf("kernel refused %s: %w", b.labels[i](), reason)
}
