package nft

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/internal/parallel"
	"golang.org/x/sys/unix"
)

// TestEncode checks the buffer a batch is sent in: BATCH_BEGIN, every
// message (data, then body) with consecutive sequence numbers and the echo
// flag where asked, BATCH_END; long enough to be encoded on several
// goroutines.
func TestEncode(t *testing.T) {
	for _, n := range []int{0, 1, 3, 2*parallel.Min + 7} {
		var b batch
		for i := 0; i < n; i++ {
			data := []byte(fmt.Sprintf("data%d", i)) // lengths not aligned
			var body attrs
			if i%2 == 1 {
				body = attrs(nil).str(unix.NFTA_RULE_CHAIN, fmt.Sprint("body", i))
			}
			b.addBody(unix.NFT_MSG_NEWRULE, netlink.Create, data, body, nil, true)
		}
		echo := []int{}
		if n > 2 {
			echo = []int{n - 1, 2}
		}
		head := nfgen(unix.AF_UNSPEC, unix.NFNL_SUBSYS_NFTABLES).u32(unix.NFNL_BATCH_GENID, 7)
		buf := b.encode(head, 100, 42, echo)
		msgs, err := syscall.ParseNetlinkMessage(buf)
		if err != nil {
			t.Fatalf("%d messages: %v", n, err)
		}
		if len(msgs) != n+2 {
			t.Fatalf("%d messages: %d in the buffer", n, len(msgs))
		}
		for i, m := range msgs {
			h := m.Header
			if h.Seq != uint32(100+i) || h.Pid != 42 {
				t.Errorf("%d messages: message %d has sequence %d, pid %d", n, i, h.Seq, h.Pid)
			}
			switch i {
			case 0, n + 1:
				want := uint16(unix.NFNL_MSG_BATCH_BEGIN)
				if i > 0 {
					want = unix.NFNL_MSG_BATCH_END
				}
				if h.Type != want || h.Flags != unix.NLM_F_REQUEST || !bytes.Equal(m.Data, head) {
					t.Errorf("%d messages: message %d is %+v %x", n, i, h, m.Data)
				}
				continue
			}
			k := i - 1
			wantFlags := uint16(netlink.Request | netlink.Create)
			if k == 0 || k == 2 || k == n-1 && n > 2 {
				wantFlags |= unix.NLM_F_ECHO
			}
			want := append(append([]byte(nil), b.msgs[k].Data...), b.msgs[k].body...)
			if h.Flags != wantFlags || h.Type != uint16(nftType(unix.NFT_MSG_NEWRULE)) || !bytes.Equal(m.Data[:len(want)], want) {
				t.Errorf("%d messages: message %d is %+v %q, want flags %#x and %q", n, k, h, m.Data, wantFlags, want)
			}
		}
	}
}

// TestNextSeq: the ranges nextSeq hands out follow each other, never
// hold 0 (the Conn's "number it for me") and start again from 1 rather
// than wrap around.
func TestNextSeq(t *testing.T) {
	for _, start := range []uint32{0, 1, 1<<32 - 10, 1<<32 - 5, 1<<32 - 1} {
		s := &sender{seq: start}
		prev := uint32(0)
		for _, n := range []int{5, 3, 7} {
			first := s.nextSeq(n)
			last := first + uint32(n) - 1
			if first == 0 || last < first {
				t.Errorf("from %d: %d numbers from %d", start, n, first)
			}
			if prev != 0 && first != prev+1 && first != 1 {
				t.Errorf("from %d: range starts at %d after %d", start, first, prev)
			}
			prev = last
		}
	}
}
