package nft

import (
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// Change notifications
//
// The kernel multicasts every committed nftables transaction to the
// NFNLGRP_NFTABLES group of its network namespace: one message per object
// the transaction created or deleted (each names its table), then one
// NFT_MSG_NEWGEN carrying the generation the commit created. A Watcher
// reads that group so that a controller can repair a change someone else
// made to an owned table as soon as it is committed, instead of at its
// next resync, and can stay idle when nothing it owns changes.
//
// The Watcher has its own socket, not google/nftables' Monitor: the
// Monitor decodes every rule's expressions into Go values (only the table
// name matters here, and a 10k-rule batch is 10k notifications), and it
// ends its event channel on any receive error, including ENOBUFS, which
// here must mean "read everything again" and then carry on.

// Event is one committed transaction, or a loss of notifications.
type Event struct {
	// Gen is the generation the transaction created; 0 for a loss.
	Gen uint32
	// Owned says the transaction created, changed or deleted something
	// in an owned table (or may have: a message without a table name).
	Owned bool
	// Lost says notifications were dropped (the socket's receive buffer
	// overflowed): anything may have changed, the state must be read.
	Lost bool
	// At is when the transaction's NEWGEN (or the loss) was received.
	At time.Time
}

// watchBuffer is the Watcher's receive buffer. A batch sends one
// notification per rule, so a cold apply of 10k rules queues a few MB; a
// buffer too small for a burst is not an error (the loss is reported as
// Lost and costs one read of the owned tables), only slower.
const watchBuffer = 32 << 20

// Watcher receives the ruleset's change notifications in the backend's
// network namespace. It is not safe for concurrent use, except Close.
type Watcher struct {
	c    *netlink.Conn
	owns func(family uint8, table string) bool
	// touched says the transaction being received so far touched an owned
	// table.
	touched bool
	// drops is the socket's drop counter (SK_MEMINFO_DROPS) last read.
	drops uint32
	queue []Event
}

// Watch subscribes to the ruleset's change notifications in the backend's
// network namespace (see WithNetNS). The caller closes the Watcher.
func (b *Backend) Watch() (*Watcher, error) {
	b.mu.Lock()
	nsfd := b.nsfd
	if b.nsPath != "" && nsfd < 0 {
		b.mu.Unlock()
		return nil, errors.New("watching ruleset changes: the backend is closed")
	}
	// The socket is opened while the namespace handle is known to be
	// open; once open, the socket stays in its namespace.
	c, err := dial(nsfd)
	b.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("watching ruleset changes: %w", err)
	}
	w, err := newWatcher(c, b.owns)
	if err != nil {
		c.Close()
		return nil, err
	}
	return w, nil
}

// newWatcher joins the nftables group on c.
func newWatcher(c *netlink.Conn, owns func(uint8, string) bool) (*Watcher, error) {
	// dial sized the buffer for batch replies; notifications of a big
	// foreign transaction need more, and a larger buffer only costs memory
	// when it is used.
	if err := c.SetReadBuffer(watchBuffer); err != nil {
		return nil, fmt.Errorf("sizing the notification socket's buffer: %w", err)
	}
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		return nil, fmt.Errorf("joining the nftables notification group: %w", err)
	}
	w := &Watcher{c: c, owns: owns}
	d, err := w.readDrops()
	if err != nil {
		return nil, err
	}
	w.drops = d
	return w, nil
}

// owns reports whether the table (fam is an NFPROTO_* value) is one the
// backend owns, or an iptables table it places rules in (WithPlacement, or
// automatically where it placed some as of its last commit; any iptables
// table while that is unknown): any change there may have touched them,
// so a change to it must be checked. The name decides: a foreign table
// named like an owned one costs a needless check, never a write (Apply
// never touches it). It runs in the Watcher's goroutine: the placed set
// is read through an atomic pointer, not under the backend's lock.
func (b *Backend) owns(fam uint8, table string) bool {
	f, ok := famOf(fam)
	if !ok {
		return false
	}
	if b.placed[table] { // set at New, read-only after
		return true
	}
	if w := b.watched.Load(); w == nil {
		if slices.Contains(rule.Tables, table) {
			return true
		}
	} else if (*w)[tableID{f, table}] {
		return true
	}
	_, ok = ownedTable(b.owner, table)
	return ok
}

// Next blocks until a transaction has been committed (its NEWGEN
// received) or notifications were lost, and returns it. Transactions come
// in commit order. It returns an error once the Watcher is closed or the
// socket fails; a new Watcher is then needed.
func (w *Watcher) Next() (Event, error) {
	for len(w.queue) == 0 {
		if err := w.receive(); err != nil {
			return Event{}, err
		}
	}
	ev := w.queue[0]
	w.queue = w.queue[1:]
	return ev, nil
}

// Close closes the socket; a blocked Next returns an error.
func (w *Watcher) Close() error { return w.c.Close() }

// receive reads one datagram of notifications and queues the events it
// completes.
func (w *Watcher) receive() error {
	msgs, err := w.c.Receive()
	now := time.Now()
	if errors.Is(err, unix.ENOBUFS) {
		// The drops counted so far are the ones this error reports.
		d, derr := w.readDrops()
		if derr != nil {
			return derr
		}
		w.drops = d
		w.lost(now)
		return nil
	}
	if err != nil {
		return fmt.Errorf("receiving ruleset notifications: %w", err)
	}
	for _, m := range msgs {
		if gen, ok := genOf(m); ok {
			w.queue = append(w.queue, Event{Gen: gen, Owned: w.touched, At: now})
			w.touched = false
			continue
		}
		if !w.touched && w.touchesOwned(m) {
			w.touched = true
		}
	}
	// ENOBUFS is reported once per congestion: messages dropped until the
	// queue drained are only counted. The counter catches those.
	d, err := w.readDrops()
	if err != nil {
		return err
	}
	if d != w.drops {
		w.drops = d
		w.lost(now)
	}
	return nil
}

// lost queues a loss; the transaction being received may have lost its
// messages naming an owned table, so it counts as touching one.
func (w *Watcher) lost(now time.Time) {
	w.queue = append(w.queue, Event{Lost: true, Owned: true, At: now})
	w.touched = true
}

// touchesOwned reports whether a notification concerns an owned table.
// Every nftables object message (table, chain, rule, set, element,
// object, flowtable) carries its table's name as attribute 1; a message
// without one is assumed to touch an owned table.
func (w *Watcher) touchesOwned(m netlink.Message) bool {
	if uint16(m.Header.Type)>>8 != unix.NFNL_SUBSYS_NFTABLES || len(m.Data) < 4 {
		return false
	}
	var table string
	found := false
	_ = attrList(m.Data, func(typ uint16, b []byte) error {
		if typ == 1 && !found {
			table, found = cstring(b), true
		}
		return nil
	})
	return !found || w.owns(m.Data[0], table)
}

// readDrops reads the socket's count of dropped messages.
func (w *Watcher) readDrops() (uint32, error) {
	rc, err := w.c.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("reading the notification socket's drop count: %w", err)
	}
	var info [unix.SK_MEMINFO_VARS]uint32
	var serr error
	cerr := rc.Control(func(fd uintptr) {
		size := uint32(unsafe.Sizeof(info))
		_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
			uintptr(unsafe.Pointer(&info[0])), uintptr(unsafe.Pointer(&size)), 0)
		if errno != 0 {
			serr = syscall.Errno(errno)
		}
	})
	if cerr == nil {
		cerr = serr
	}
	if cerr != nil {
		return 0, fmt.Errorf("reading the notification socket's drop count: %w", cerr)
	}
	return info[unix.SK_MEMINFO_DROPS], nil
}

// ownCommits is how many of the backend's latest commits Committed
// remembers: enough for the commits a controller can make while its event
// loop is busy with an earlier notification.
const ownCommits = 16

// commits is a ring of the generations the backend's own batches created.
type commits struct {
	gens [ownCommits]uint32
	next int
}

// add records a generation created by one of the backend's batches.
func (c *commits) add(gen uint32) {
	if gen == 0 {
		return
	}
	c.gens[c.next] = gen
	c.next = (c.next + 1) % ownCommits
}

// has reports whether gen is one of the recorded generations.
func (c *commits) has(gen uint32) bool {
	for _, g := range c.gens {
		if g != 0 && g == gen {
			return true
		}
	}
	return false
}

// Committed reports whether generation gen was created by one of the
// backend's own batches, so that its notification needs no repair. It
// waits for an Apply or CleanUp in progress: a notification can arrive
// before the batch's sender has read the generation from its reply.
func (b *Backend) Committed(gen uint32) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.own.has(gen)
}
