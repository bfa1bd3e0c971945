package nft

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/firewall"
	"golang.org/x/sys/unix"
)

// Backend keeps the nftables tables of one owner equal to a desired
// firewall.Ruleset, over netlink and without executing anything.
//
// Each (family, iptables table) with chains is the table OWNER-TABLE in
// family ip or ip6; built-in chains are base chains hooked as iptables-nft
// hooks them. Every rule carries its iptables form in its userdata, so the
// state is read back from the kernel alone. Apply checks the ruleset
// generation first and dumps nothing when neither the ruleset nor the
// desired state changed since its last write or check.
//
// Note that an accept verdict in an owned table does not stop other tables'
// base chains on the same hook (iptables-nft's own tables, Docker's DROP
// policy) from dropping the packet.
type Backend struct {
	owner      string
	nsPath     string
	log        *slog.Logger
	obs        firewall.Observer
	maxRetries int

	mu   sync.Mutex
	nsfd int
	conn *netlink.Conn
	snd  sender
	// verified is true when the owned state was equal to the desired state
	// with fingerprint lastFP at generation lastGen.
	verified bool
	lastGen  uint32
	lastFP   [32]byte
	applied  bool // lastFP holds the last desired state applied
	compFP   [32]byte
	comp     *desired
	// beforeSend runs between the read and the write (tests use it to
	// change the ruleset in between).
	beforeSend func()
}

var _ firewall.Backend = (*Backend)(nil)

// New returns a Backend; it opens the netlink socket right away.
func New(opts ...Option) (*Backend, error) {
	b := &Backend{owner: DefaultOwner, maxRetries: 5, nsfd: -1}
	for _, o := range opts {
		o(b)
	}
	if b.log == nil {
		b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if b.owner == "" || len(b.owner) > 200 || strings.ContainsAny(b.owner, "\x00 ") {
		return nil, fmt.Errorf("invalid owner %q: want a short name without spaces", b.owner)
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

// dropConn closes the socket after a failure: replies may still be queued
// and the kernel may or may not have committed, so the next operation opens
// a new socket and re-reads everything.
func (b *Backend) dropConn() {
	if b.conn != nil {
		b.conn.Close()
		b.conn = nil
	}
	b.verified = false
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
// An interrupted dump is retried.
func (b *Backend) readState(ctx context.Context, gen uint32) (*actual, error) {
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := &reader{c: b.conn, owner: b.owner, onDump: func() { b.observe("dump", 1) }}
		st, err := r.read()
		if err == nil {
			st.gen = gen
			return st, nil
		}
		b.dropConn()
		if !errors.Is(err, errInterrupted) || try >= b.maxRetries {
			return nil, fmt.Errorf("reading owned tables: %w", err)
		}
		b.log.Debug("dump interrupted, reading again", "try", try+1)
		if gen, err = b.getGen(); err != nil {
			return nil, err
		}
	}
}

// compiled returns the desired state compiled, reusing the last compilation
// when the fingerprint is unchanged.
func (b *Backend) compiled(fp [32]byte, rs *firewall.Ruleset) (*desired, error) {
	if b.comp != nil && fp == b.compFP {
		return b.comp, nil
	}
	d, err := compile(b.owner, rs)
	if err != nil {
		return nil, err
	}
	b.comp, b.compFP = d, fp
	return d, nil
}

// Plan returns what Apply would change now, changing nothing.
func (b *Backend) Plan(ctx context.Context, rs *firewall.Ruleset) (*firewall.Plan, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.compiled(fingerprint(rs), rs)
	if err != nil {
		return nil, err
	}
	gen, err := b.getGen()
	if err != nil {
		return nil, err
	}
	st, err := b.readState(ctx, gen)
	if err != nil {
		return nil, err
	}
	_, changes, err := makePlan(d, st)
	if err != nil {
		return nil, err
	}
	return &firewall.Plan{Changes: changes}, nil
}

// Apply makes the owned tables equal rs in one atomic batch for both
// families and returns the changes made. When the ruleset generation is the
// one of its last write or check and rs is unchanged, it returns an empty
// plan after a single GETGEN round trip.
func (b *Backend) Apply(ctx context.Context, rs *firewall.Ruleset) (*firewall.Plan, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fp := fingerprint(rs)
	gen, err := b.getGen()
	if err != nil {
		return nil, err
	}
	if b.verified && gen == b.lastGen && fp == b.lastFP {
		return &firewall.Plan{}, nil
	}
	d, err := b.compiled(fp, rs)
	if err != nil {
		return nil, err
	}
	drift := b.applied && fp == b.lastFP
	for try := 0; ; try++ {
		st, err := b.readState(ctx, gen)
		if err != nil {
			return nil, err
		}
		bt, changes, err := makePlan(d, st)
		if err != nil {
			return nil, err
		}
		if bt.empty() {
			b.verified, b.lastGen, b.lastFP, b.applied = true, st.gen, fp, true
			return &firewall.Plan{}, nil
		}
		if b.beforeSend != nil {
			b.beforeSend()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		newGen, err := b.snd.send(bt, st.gen)
		if errors.Is(err, errRestart) && try < b.maxRetries {
			b.log.Debug("ruleset changed during apply, planning again", "try", try+1)
			if gen, err = b.getGen(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			b.dropConn()
			return nil, fmt.Errorf("applying %d changes: %w", len(changes), err)
		}
		b.lastFP, b.applied = fp, true
		b.verified, b.lastGen = newGen != 0, newGen
		if drift {
			b.observe("drift", len(changes))
		}
		b.log.Info("applied nftables changes", "changes", len(changes), "messages", len(bt.msgs), "bytes", bt.size)
		return &firewall.Plan{Changes: changes}, nil
	}
}

// CleanUp deletes all owned tables in one batch.
func (b *Backend) CleanUp(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		gen, err := b.getGen()
		if err != nil {
			return err
		}
		st, err := b.readState(ctx, gen)
		if err != nil {
			return err
		}
		bt, _, err := makePlan(&desired{byID: map[tableID]*wantTable{}}, st)
		if err != nil {
			return err
		}
		b.verified, b.applied = false, false
		if bt.empty() {
			return nil
		}
		_, err = b.snd.send(bt, gen)
		if errors.Is(err, errRestart) && try < b.maxRetries {
			continue
		}
		if err != nil {
			b.dropConn()
			return fmt.Errorf("deleting owned tables: %w", err)
		}
		return nil
	}
}
