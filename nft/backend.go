package nft

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/ownerlock"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
	"golang.org/x/sys/unix"
)

// Backend keeps the nftables tables of one owner equal to a desired
// firewall.Ruleset, over netlink and without executing anything. The
// package documentation describes the tables it owns, what it stores in
// each rule, and when an Apply checks the generation only, diffs against
// the state in memory, or dumps.
type Backend struct {
	owner  string
	nsPath string
	// dumpConns are more sockets for the rule dumps of a read, one a CPU
	// (readRules), dialled on first use and closed with conn.
	dumpConns  []*netlink.Conn
	log        *slog.Logger
	obs        firewall.Observer
	maxRetries int
	// placed are the iptables tables kept in iptables-nft's own tables
	// (WithPlacement, placement.go).
	placed      map[string]bool
	placedCache map[*rule.Rule]*entry
	placedHead  func(*firewall.Chain) int // tests replace it
	// noAuto turns automatic placement off (WithAutoPlacement,
	// placement_auto.go). auto are the (family, table)s the last compile
	// placed automatically and why, boundMemo which of its rules need a
	// table of their table's name.
	noAuto    bool
	auto      map[tableID]*boundCause
	boundMemo map[*rule.Rule]*xt.Ext
	// prevPlaced are the (family, table)s in which the owner has
	// something placed as of its last commit or read; nil when unknown.
	// watched is its copy for the Watcher's goroutine (owns).
	prevPlaced map[tableID]bool
	watched    atomic.Pointer[map[tableID]bool]

	mu    sync.Mutex
	nsfd  int
	conn  *netlink.Conn
	snd   sender
	cache *ruleCache
	// model is the owned state as of generation lastGen, with every
	// rule's handle; nil when unknown.
	lastGen uint32
	model   *actual
	// lastRS is the desired state of the last successful Apply and lastD
	// (lastPW: of the placed chains) its compilation (they stay across
	// failures, to tell drift repairs from changes of the desired state).
	lastRS *firewall.Ruleset
	lastD  *desired
	lastPW *placedWant
	// own are the generations the latest batches created (Committed).
	own commits
	// lock is the owner's lock, taken by the first write (see
	// takeLock); lockWait makes that write wait for it.
	lock     *ownerlock.Lock
	lockWait bool
	// seg lays long chains out as segments (WithSegments, segments.go).
	seg segmenter
	// beforeSend runs between the read and the write (tests use it to
	// change the ruleset in between).
	beforeSend func()
	// beforePlacedRead runs in Read between the owned tables' read and the
	// placed rules' read (tests use it to change the ruleset in between).
	beforePlacedRead func()
}

var _ firewall.Backend = (*Backend)(nil)

// New returns a Backend; it opens the netlink socket right away.
func New(opts ...Option) (*Backend, error) {
	b := &Backend{owner: DefaultOwner, maxRetries: 5, nsfd: -1, cache: newRuleCache(), placedHead: placedHead}
	b.seg.n = DefaultSegmentLen
	for _, o := range opts {
		o(b)
	}
	if b.log == nil {
		b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if b.owner == "" || len(b.owner) > 200 || strings.ContainsAny(b.owner, "\x00 ") {
		return nil, fmt.Errorf("invalid owner %q: want a short name without spaces", b.owner)
	}
	if err := b.checkPlacement(); err != nil {
		return nil, err
	}
	if b.maxRetries < 0 {
		b.maxRetries = 0
	}
	if b.nsPath != "" {
		fd, err := unix.Open(b.nsPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("opening network namespace %s: %w", b.nsPath, err)
		}
		b.nsfd = fd
	}
	if err := b.ensureConn(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Name returns "nftables".
func (b *Backend) Name() string { return "nftables" }

// Close releases the socket and the namespace handle.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dropConn()
	b.lock.Release()
	b.lock = nil
	if b.nsfd >= 0 {
		unix.Close(b.nsfd)
		b.nsfd = -1
	}
	return nil
}

func (b *Backend) observe(kind string, n int) {
	if b.obs != nil {
		b.obs.Observe(kind, n)
	}
}

func (b *Backend) ensureConn() error {
	if b.conn != nil {
		return nil
	}
	c, err := dial(b.nsfd)
	if err != nil {
		return err
	}
	b.conn = c
	b.snd = sender{c: c, onBatch: func() { b.observe("batch", 1) }}
	return nil
}

// conns returns the socket and up to n-1 more for dumps that run at
// once; fewer when more cannot be opened (the dumps then share them).
func (b *Backend) conns(n int) []*netlink.Conn {
	for len(b.dumpConns) < n-1 && (b.nsPath == "" || b.nsfd >= 0) {
		c, err := dial(b.nsfd)
		if err != nil {
			b.log.Debug("opening another socket for dumps", "err", err)
			break
		}
		b.dumpConns = append(b.dumpConns, c)
	}
	return append([]*netlink.Conn{b.conn}, b.dumpConns[:min(len(b.dumpConns), max(n-1, 0))]...)
}

// dropConn closes the socket after a failure: replies may still be queued
// and the kernel may or may not have committed, so the next operation opens
// a new socket and re-reads everything.
func (b *Backend) dropConn() {
	if b.conn != nil {
		b.conn.Close()
		b.conn = nil
	}
	for _, c := range b.dumpConns {
		c.Close()
	}
	b.dumpConns = nil
	b.forget()
	b.setPrevPlaced(nil)
}

func (b *Backend) getGen() (uint32, error) {
	if err := b.ensureConn(); err != nil {
		return 0, err
	}
	b.observe("getgen", 1)
	gen, err := getGen(b.conn)
	if err != nil {
		b.dropConn()
	}
	return gen, err
}

// readState dumps the owned state; gen is the generation read just before.
// A dump interrupted by a concurrent change is retried. It returns the
// generation the state is of, which is gen unless it had to read again.
//
// After the dumps the generation is read again: the kernel marks a dump
// interrupted on the first message of the next reply only, which may be
// the final NLMSG_DONE, and mdlayher/netlink never returns that message.
// When the generation moved, the dumps may mix two states: they are read
// again.
func (b *Backend) readState(ctx context.Context, gen uint32) (*actual, uint32, error) {
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		r := &reader{c: b.conn, owner: b.owner, onDump: func() { b.observe("dump", 1) }, conns: b.conns}
		st, err := r.read()
		if err == nil {
			after, gerr := b.getGen()
			if gerr != nil {
				return nil, 0, gerr
			}
			if after == gen {
				return st, gen, nil
			}
			err = fmt.Errorf("%w: the generation moved from %d to %d", errInterrupted, gen, after)
			gen = after
		} else {
			b.dropConn()
		}
		if !errors.Is(err, errInterrupted) || try >= b.maxRetries {
			return nil, 0, fmt.Errorf("reading owned tables: %w", err)
		}
		b.log.Debug("dump interrupted, reading again", "try", try+1, "reason", err)
		if b.conn == nil {
			if gen, err = b.getGen(); err != nil {
				return nil, 0, err
			}
		}
	}
}

// Plan returns what Apply would change now, changing nothing.
func (b *Backend) Plan(ctx context.Context, rs *firewall.Ruleset) (*firewall.Plan, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, pw, err := b.compileAll(rs)
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		gen, err := b.getGen()
		if err != nil {
			return nil, err
		}
		st, _, _, err := b.state(ctx, gen)
		if err != nil {
			return nil, err
		}
		pl, err := b.makePlan(d, st)
		if err != nil {
			return nil, err
		}
		_, err = b.addPlaced(pw, pl)
		if errors.Is(err, errInterrupted) && try < b.maxRetries {
			// As in Apply: plan again on what is there now.
			continue
		}
		if err != nil {
			return nil, err
		}
		return &firewall.Plan{Changes: pl.changes}, nil
	}
}

// Apply makes the owned tables equal rs in one atomic batch for both
// families and returns the changes made.
//
// When rs is the Ruleset of its last successful Apply (the same pointer:
// see firewall.Backend) and the ruleset generation is the one it wrote or
// verified, it returns an empty plan after a single GETGEN round trip.
// When only the desired state changed, it diffs it against the state it
// wrote, kept in memory, and sends the differences without dumping. When
// the generation moved (someone else changed the ruleset), it dumps the
// owned tables and repairs them.
func (b *Backend) Apply(ctx context.Context, rs *firewall.Ruleset) (*firewall.Plan, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := b.takeLock(ctx); err != nil {
		return nil, err
	}
	gen, err := b.getGen()
	if err != nil {
		return nil, err
	}
	if rs == b.lastRS && b.known(gen) != nil {
		return &firewall.Plan{}, nil
	}
	d, pw, err := b.compileAll(rs)
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		st, at, fromModel, err := b.state(ctx, gen)
		if err != nil {
			return nil, err
		}
		gen = at
		pl, err := b.makePlan(d, st)
		if err != nil {
			return nil, err
		}
		left, err := b.addPlaced(pw, pl)
		if errors.Is(err, errInterrupted) && try < b.maxRetries {
			// Someone changed the ruleset while iptables' tables were
			// read: plan again on what is there now.
			b.log.Debug("ruleset changed while reading iptables' tables, planning again", "try", try+1)
			if gen, err = b.getGen(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if pl.batch.empty() {
			b.remember(pl.next, gen)
			b.setLastD(d)
			b.lastRS, b.lastPW = rs, pw
			b.setPrevPlaced(left)
			return &firewall.Plan{}, nil
		}
		if b.beforeSend != nil {
			b.beforeSend()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, err := b.snd.send(pl.batch, gen, pl.echoes())
		if errors.Is(err, errRestart) && try < b.maxRetries {
			b.log.Debug("ruleset changed during apply, planning again", "try", try+1)
			b.forget()
			if gen, err = b.getGen(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			// A batch the kernel refused changed nothing and its replies
			// were all read: the socket and the state in memory stay
			// valid, so that retrying a refused desired state does not
			// dump. After any other failure, everything is re-read.
			var broken *errBroken
			if errors.As(err, &broken) || errors.Is(err, errRestart) {
				b.dropConn()
			}
			return nil, fmt.Errorf("applying %d changes: %w", len(pl.changes), err)
		}
		b.own.add(res.gen)
		b.setPrevPlaced(left)
		if pl.learnHandles(res.handles) {
			b.remember(pl.next, res.gen)
		} else {
			b.log.Debug("handles of new rules unknown; the next change dumps")
			b.remember(nil, 0)
		}
		if !fromModel && sameDesired(d, b.lastD) && samePlaced(pw, b.lastPW) {
			b.observe("drift", len(pl.changes))
		}
		b.setLastD(d)
		b.lastRS, b.lastPW = rs, pw
		b.log.Debug("applied nftables changes", "changes", len(pl.changes), "messages", len(pl.batch.msgs), "bytes", pl.batch.size)
		return &firewall.Plan{Changes: pl.changes}, nil
	}
}

// setLastD makes d the desired state of the last successful Apply; the
// one it replaces becomes the rule cache's spare when nothing else uses
// it.
func (b *Backend) setLastD(d *desired) {
	if old := b.lastD; old != nil && old != d && old != b.cache.last {
		b.cache.spare = old
	}
	b.lastD = d
}

// CleanUp deletes all owned tables in one batch.
func (b *Backend) CleanUp(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.takeLock(ctx); err != nil {
		return err
	}
	b.lastRS, b.lastD, b.lastPW = nil, nil, nil
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		gen, err := b.getGen()
		if err != nil {
			return err
		}
		st, gen, _, err := b.state(ctx, gen)
		if err != nil {
			return err
		}
		for id, name := range st.foreign {
			b.log.Warn("not deleting a table named like an owned one: nftsync did not create it", "family", id.Fam.String(), "table", name, "owner", b.owner)
		}
		pl, err := makePlan(&desired{owner: b.owner, byID: map[tableID]*wantTable{}}, st)
		if err != nil {
			return err
		}
		left, err := b.addPlaced(nil, pl)
		if errors.Is(err, errInterrupted) && try < b.maxRetries {
			continue // read again, as for a refused batch below
		}
		if err != nil {
			return err
		}
		if pl.batch.empty() {
			b.remember(pl.next, gen)
			b.setPrevPlaced(left)
			return nil
		}
		res, err := b.snd.send(pl.batch, gen, nil)
		if errors.Is(err, errRestart) && try < b.maxRetries {
			b.forget()
			continue
		}
		if err != nil {
			b.dropConn()
			return fmt.Errorf("deleting owned tables: %w", err)
		}
		b.own.add(res.gen)
		b.setPrevPlaced(left)
		b.remember(pl.next, res.gen)
		return nil
	}
}
