package nft

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/internal/parallel"
	"golang.org/x/sys/unix"
)

// The batch is written by nftsync itself, not by mdlayher/netlink's
// SendMessages, which marshals every message into a slice of its own and
// appends them to a buffer growing by doubling: for a cold apply of 10k
// rules (4.9 MB, 10k messages) that was about 29 ms of CPU a batch and 34
// MB allocated (the buffer copied over and over), a third of all the bytes
// the apply allocated, and growslice was a fifth of its CPU profile. Here
// the batch is encoded once into one buffer of the exact size, and sent
// with one sendmsg on the socket's file descriptor, through the Conn's
// SyscallConn; the replies are still read by the Conn. The batch and its
// barrier carry sequence numbers of the sender's own (nextSeq), known
// before the batch is written; the Conn numbers its own requests from a
// random start, and reads their replies before a batch is sent.

// nlmsgAlign rounds n up to the netlink message alignment.
func nlmsgAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// appendMsg appends one netlink message (header and data, the
// concatenation of data and body) to buf. Its length counts its padding,
// as mdlayher/netlink and libmnl write it.
func appendMsg(buf []byte, typ netlink.HeaderType, flags netlink.HeaderFlags, seq, pid uint32, data, body []byte) []byte {
	n := unix.NLMSG_HDRLEN + len(data) + len(body)
	buf = binary.NativeEndian.AppendUint32(buf, uint32(nlmsgAlign(n)))
	buf = binary.NativeEndian.AppendUint16(buf, uint16(typ))
	buf = binary.NativeEndian.AppendUint16(buf, uint16(flags))
	buf = binary.NativeEndian.AppendUint32(buf, seq)
	buf = binary.NativeEndian.AppendUint32(buf, pid)
	buf = append(buf, data...)
	buf = append(buf, body...)
	for pad := nlmsgAlign(n) - n; pad > 0; pad-- {
		buf = append(buf, 0)
	}
	return buf
}

// encode writes the whole transaction into one buffer: BATCH_BEGIN (with
// head as its data), the messages and BATCH_END, numbered from seq. The
// first message asks for an echo unless b.noGen, and so do the messages
// at the indexes in echo. The messages are copied on all CPUs: a cold
// apply copies megabytes of rule bodies from all over the heap.
func (b *batch) encode(head attrs, seq, pid uint32, echo []int) []byte {
	// at[i] is where message i starts in the buffer.
	at := make([]int, len(b.msgs)+1)
	n := unix.NLMSG_HDRLEN + nlmsgAlign(len(head))
	for i := range b.msgs {
		at[i] = n
		n += unix.NLMSG_HDRLEN + nlmsgAlign(b.msgs[i].len())
	}
	at[len(b.msgs)] = n
	buf := make([]byte, n+unix.NLMSG_HDRLEN+nlmsgAlign(len(head)))
	appendMsg(buf[:0], netlink.HeaderType(unix.NFNL_MSG_BATCH_BEGIN), netlink.Request, seq, pid, head, nil)
	parallel.Range(len(b.msgs), func(lo, hi int) {
		out := buf[at[lo]:at[lo]:at[hi]]
		for i := lo; i < hi; i++ {
			m := &b.msgs[i]
			out = appendMsg(out, m.Header.Type, m.Header.Flags, seq+1+uint32(i), pid, m.Data, m.body)
		}
	})
	appendMsg(buf[n:n], netlink.HeaderType(unix.NFNL_MSG_BATCH_END), netlink.Request, seq+1+uint32(len(b.msgs)), pid, head, nil)
	// The kernel reports the new generation to the sender of the first
	// message when it asks for an echo (see sender.send).
	if len(b.msgs) > 0 && !b.noGen {
		echoAt(buf, at[0])
	}
	for _, i := range echo {
		echoAt(buf, at[i])
	}
	return buf
}

// echoAt sets NLM_F_ECHO in the header of the message at offset at of buf.
func echoAt(buf []byte, at int) {
	f := binary.NativeEndian.Uint16(buf[at+6:])
	binary.NativeEndian.PutUint16(buf[at+6:], f|uint16(netlink.Echo))
}

// write sends buf, one or more netlink messages, with one sendmsg to the
// kernel, waiting for room in the send buffer like the Conn's own writes.
func (s *sender) write(buf []byte) error {
	rc, err := s.c.SyscallConn()
	if err != nil {
		return err
	}
	to := &unix.SockaddrNetlink{Family: unix.AF_NETLINK}
	var n int
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		for {
			n, serr = unix.SendmsgN(int(fd), buf, nil, to, 0)
			if !errors.Is(serr, unix.EINTR) {
				return !errors.Is(serr, unix.EAGAIN)
			}
		}
	})
	if err == nil {
		err = serr
	}
	if err == nil && n != len(buf) {
		err = fmt.Errorf("sendmsg sent %d of %d bytes", n, len(buf))
	}
	return err
}

// nextSeq reserves n sequence numbers and returns the first.
func (s *sender) nextSeq(n int) uint32 {
	if s.seq == 0 {
		s.seq = 1
	}
	first := s.seq
	s.seq += uint32(n)
	if s.seq < first || s.seq == 0 {
		// Wrapped around: start again from 1 (0 means "let the Conn
		// number it").
		s.seq = 1
		return s.nextSeq(n)
	}
	return first
}
