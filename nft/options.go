package nft

import (
	"log/slog"

	"github.com/nftsync/nftsync/firewall"
)

// Option configures a Backend.
type Option func(*Backend)

// WithOwner sets the owner: the backend's tables are named OWNER-TABLE
// (e.g. "kilo-nat") and it touches no other table. Default DefaultOwner.
func WithOwner(name string) Option { return func(b *Backend) { b.owner = name } }

// WithNetNS makes the backend work in the network namespace at path (e.g.
// /run/netns/NAME or /proc/PID/ns/net). The netlink socket is opened inside
// it; the calling threads never switch namespace.
func WithNetNS(path string) Option { return func(b *Backend) { b.nsPath = path } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(b *Backend) { b.log = l } }

// WithObserver reports counts of what the backend does: "getgen" (each
// generation check), "dump" (each netlink dump: the table list, and the
// chains and rules of each owned table), "batch" (each batch sent), "drift"
// (changes repairing what someone else changed).
func WithObserver(o firewall.Observer) Option { return func(b *Backend) { b.obs = o } }

// WithMaxRetries bounds how often Apply re-reads and re-plans when the
// ruleset changed between its read and its write (default 5).
func WithMaxRetries(n int) Option { return func(b *Backend) { b.maxRetries = n } }

// WithLockWait makes the first write (Apply, CleanUp) wait, as long as its
// context allows, while another writer holds the owner's tables in the
// network namespace, instead of failing with ErrOwnerBusy.
func WithLockWait(wait bool) Option { return func(b *Backend) { b.lockWait = wait } }

// DefaultSegmentLen is the segment length a Backend uses unless
// WithSegments says otherwise: chains of up to 2000 rules stay whole, and
// a one-rule change in a longer one rewrites about 1000 rules in the
// kernel, not the whole chain (make bench, BenchmarkSegments).
const DefaultSegmentLen = 1000

// WithSegments keeps every chain longer than about 2n rules as a list of
// kernel chains of about n rules each, linked by jumps or gotos (see
// segments.go): a one-rule change then rewrites one segment instead of the
// whole chain. The default is DefaultSegmentLen; 0 keeps each chain whole
// (segments made earlier are then merged back).
func WithSegments(n int) Option { return func(b *Backend) { b.seg.n = max(n, 0) } }
