package compat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/nftsync/nftsync/rule"
)

// The ownership record: what one owner has in the iptables tables of one
// network namespace, kept in a file so that a new process (a restarted
// controller, the next CLI run) knows it. It is written after every Apply
// or CleanUp that changed what is owned, atomically (a temporary file
// renamed over the old one), and read by New and again whenever another
// process replaced it.

// stateVersion is the format of the record; other versions are not read.
const stateVersion = 1

// nsIdentity tells one network namespace from every other one of a boot.
// The inode names the record's file; the cookie and the boot id tell a
// namespace that reuses the inode of a deleted one, or a record that
// survived a reboot, from the one that wrote the record.
type nsIdentity struct {
	Inode uint64 `json:"inode"`
	// Cookie is SO_NETNS_COOKIE (Linux 5.14 and later; 0 before), never
	// reused within a boot.
	Cookie uint64 `json:"cookie,omitempty"`
	// Boot is /proc/sys/kernel/random/boot_id ("" when unreadable).
	Boot string `json:"boot,omitempty"`
}

// stateFile is the record as stored.
type stateFile struct {
	Version int          `json:"version"`
	Owner   string       `json:"owner"`
	NetNS   nsIdentity   `json:"netns"`
	Chains  []stateChain `json:"chains"`
	// Pending is a change that may or may not have been made (journal.go):
	// written before iptables-restore runs, resolved by the next process.
	Pending *pendingChange `json:"pending,omitempty"`
}

// stateChain is what the owner has in one chain.
type stateChain struct {
	Family string `json:"family"` // "ip" or "ip6"
	Table  string `json:"table"`
	Chain  string `json:"chain"`
	// Declared: the chain is in the last ruleset applied in full; Read
	// lists these first, in record order.
	Declared bool `json:"declared,omitempty"`
	// Created: a user-defined chain the owner has (owned whole).
	Created bool `json:"created,omitempty"`
	// PreviousPolicy is the policy a built-in chain had before the owner
	// set it; empty when the owner did not set it.
	PreviousPolicy string `json:"previous_policy,omitempty"`
	// Rules the owner wrote into a built-in chain, in iptables-save form,
	// in the order they were desired, once per copy it owns.
	Rules []string `json:"rules,omitempty"`
}

// fileStamp tells whether the record's file changed since it was last read
// or written.
type fileStamp struct {
	exists      bool
	ino, size   uint64
	mtimeSec    int64
	mtimeNanos  int64
	changeSec   int64
	changeNanos int64
}

func stampOf(fi fs.FileInfo) fileStamp {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStamp{exists: true, size: uint64(fi.Size()), mtimeNanos: fi.ModTime().UnixNano()}
	}
	return fileStamp{exists: true, ino: st.Ino, size: uint64(st.Size), mtimeSec: st.Mtim.Sec, mtimeNanos: st.Mtim.Nsec,
		changeSec: st.Ctim.Sec, changeNanos: st.Ctim.Nsec}
}

// checkOwner refuses owner names that cannot name a file of their own.
func checkOwner(owner string) error {
	if owner == "" || len(owner) > 200 || strings.ContainsAny(owner, "/\x00 \t\n") || strings.HasPrefix(owner, ".") {
		return fmt.Errorf("invalid owner %q: want a short name without \"/\", spaces or NUL, not starting with a dot", owner)
	}
	return nil
}

// identify returns the identity of the network namespace the backend works
// in.
func (b *Backend) identify() (nsIdentity, error) {
	var id nsIdentity
	err := b.run.do(func() error {
		var st unix.Stat_t
		if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
			return fmt.Errorf("identifying the network namespace: %w", err)
		}
		id.Inode = st.Ino
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("identifying the network namespace: %w", err)
		}
		defer unix.Close(fd)
		if c, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_NETNS_COOKIE); err == nil {
			id.Cookie = c
		}
		return nil
	})
	if err != nil {
		return nsIdentity{}, err
	}
	if boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		id.Boot = strings.TrimSpace(string(boot))
	}
	return id, nil
}

// statePath is the record's file.
func (b *Backend) statePath() string {
	return filepath.Join(b.cfg.stateDir, fmt.Sprintf("%s-iptables-net%d.json", b.cfg.owner, b.ns.Inode))
}

// refresh reads the record again when its file changed since the backend
// last read or wrote it (another process of the same owner wrote it, or
// removed it). It is a no-op without a state directory.
func (b *Backend) refresh() {
	if b.cfg.stateDir == "" {
		return
	}
	path := b.statePath()
	var now fileStamp
	if fi, err := os.Stat(path); err == nil {
		now = stampOf(fi)
	} else if !errors.Is(err, fs.ErrNotExist) {
		now = fileStamp{exists: true} // unreadable: load says why
	}
	if b.saved != nil && now == b.stamp {
		return
	}
	m, pending, stamp, ok := b.load(path)
	b.mem, b.saved, b.stamp, b.last, b.pending = m, m, stamp, "", pending
	b.stale = !ok // a bad record is replaced (or removed) by the next write
}

// load reads the record. A missing, unreadable or invalid record, or one
// written for another owner, namespace or boot, owns nothing; why is
// logged, and ok is false when a file is there that does not hold what the
// backend owns.
func (b *Backend) load(path string) (m *memory, pending *journal, stamp fileStamp, ok bool) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		b.cfg.log.Debug("no iptables ownership record: nothing owned yet", "path", path)
		return newMemory(), nil, fileStamp{}, true
	}
	nothing := func(why error) (*memory, *journal, fileStamp, bool) {
		b.cfg.log.Warn("iptables ownership record not used: nothing in built-in chains is owned, rules it listed stay where they are",
			"path", path, "reason", why)
		return newMemory(), nil, fileStamp{exists: true}, false
	}
	if err != nil {
		return nothing(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nothing(err)
	}
	data, err := io.ReadAll(io.LimitReader(f, 256<<20))
	if err != nil {
		return nothing(err)
	}
	m, pending, err = b.decodeRecord(data)
	if err != nil {
		m, _, _, ok = nothing(err)
		return m, nil, stampOf(fi), ok
	}
	b.cfg.log.Debug("iptables ownership record read", "path", path, "chains", len(m.order), "built-in chains with owned rules", len(m.rules),
		"pending change", pending != nil)
	return m, pending, stampOf(fi), true
}

// decodeState checks a record and turns it into memory, leaving out a
// pending change.
func (b *Backend) decodeState(data []byte) (*memory, error) {
	m, _, err := b.decodeRecord(data)
	return m, err
}

// decodeRecord checks a record and turns it into memory and the pending
// change it holds, if any.
func (b *Backend) decodeRecord(data []byte) (*memory, *journal, error) {
	var sf stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sf); err != nil {
		return nil, nil, fmt.Errorf("decoding: %w", err)
	}
	switch {
	case sf.Version != stateVersion:
		return nil, nil, fmt.Errorf("format version %d, want %d", sf.Version, stateVersion)
	case sf.Owner != b.cfg.owner:
		return nil, nil, fmt.Errorf("written for owner %q, not %q", sf.Owner, b.cfg.owner)
	case sf.NetNS.Inode != b.ns.Inode ||
		sf.NetNS.Cookie != 0 && b.ns.Cookie != 0 && sf.NetNS.Cookie != b.ns.Cookie ||
		sf.NetNS.Boot != "" && b.ns.Boot != "" && sf.NetNS.Boot != b.ns.Boot:
		return nil, nil, fmt.Errorf("written for another network namespace or boot (%+v, this is %+v)", sf.NetNS, b.ns)
	}
	m, err := b.decodeChains(sf.Chains)
	if err != nil {
		return nil, nil, err
	}
	if sf.Pending == nil {
		return m, nil, nil
	}
	j, err := b.decodePending(sf.Pending)
	if err != nil {
		return nil, nil, fmt.Errorf("pending change: %w", err)
	}
	return m, j, nil
}

// decodeChains turns the chains of a record into memory.
func (b *Backend) decodeChains(chains []stateChain) (*memory, error) {
	m := newMemory()
	seen := map[chainID]bool{}
	for i, c := range chains {
		id, err := c.id()
		if err != nil {
			return nil, fmt.Errorf("chain %d: %w", i, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("chain %s %s %s listed twice", c.Family, c.Table, c.Chain)
		}
		seen[id] = true
		builtin := rule.IsBuiltinChain(id.table, id.chain)
		switch {
		case c.Created && builtin:
			return nil, fmt.Errorf("chain %s %s is built in, not created", c.Table, c.Chain)
		case !builtin && (len(c.Rules) > 0 || c.PreviousPolicy != ""):
			return nil, fmt.Errorf("user chain %s %s has rules or a policy recorded", c.Table, c.Chain)
		case c.PreviousPolicy != "" && c.PreviousPolicy != "ACCEPT" && c.PreviousPolicy != "DROP":
			return nil, fmt.Errorf("chain %s %s: bad previous policy %q", c.Table, c.Chain, c.PreviousPolicy)
		}
		if c.Declared {
			m.order = append(m.order, id)
		}
		if c.Created {
			m.user[id] = true
		}
		if c.PreviousPolicy != "" {
			m.policy[id] = c.PreviousPolicy
		}
		for _, r := range c.Rules {
			spec, err := rule.ParseString(id.fam, r)
			if err != nil {
				// Written by a version that knows more extensions: that
				// rule stays where it is, unowned.
				b.cfg.log.Warn("iptables ownership record: rule does not parse; it is no longer owned",
					"table", c.Table, "chain", c.Chain, "rule", r, "err", err)
				continue
			}
			k := spec.Key()
			m.rules[id] = append(m.rules[id], k)
			m.spec[k] = spec
		}
	}
	return m, nil
}

// id checks a recorded chain's names.
func (c stateChain) id() (chainID, error) {
	var fam rule.Family
	switch c.Family {
	case rule.IPv4.String():
		fam = rule.IPv4
	case rule.IPv6.String():
		fam = rule.IPv6
	default:
		return chainID{}, fmt.Errorf("unknown family %q", c.Family)
	}
	if err := rule.CheckTable(c.Table); err != nil {
		return chainID{}, err
	}
	if c.Chain == "" || strings.ContainsAny(c.Chain, " \t\n\x00") {
		return chainID{}, fmt.Errorf("bad chain name %q", c.Chain)
	}
	return chainID{fam, c.Table, c.Chain}, nil
}

// encodeState turns memory into a record.
func (b *Backend) encodeState(m *memory) *stateFile {
	return &stateFile{Version: stateVersion, Owner: b.cfg.owner, NetNS: b.ns, Chains: encodeChains(m)}
}

// encodeChains lists what memory owns, chain by chain.
func encodeChains(m *memory) []stateChain {
	out := []stateChain{}
	ids, declared := m.chains()
	for i, id := range ids {
		c := stateChain{Family: id.fam.String(), Table: id.table, Chain: id.chain, Declared: i < declared,
			Created: m.user[id], PreviousPolicy: m.policy[id]}
		for _, k := range m.rules[id] {
			if spec := m.spec[k]; spec != nil {
				c.Rules = append(c.Rules, spec.String())
			}
		}
		out = append(out, c)
	}
	return out
}

// persist writes the record when what is owned changed since it was last
// read or written; a record that owns nothing is removed. It is a no-op
// without a state directory.
func (b *Backend) persist() error {
	if b.cfg.stateDir == "" || !b.stale && b.saved != nil && b.mem.equal(b.saved) {
		return nil
	}
	path := b.statePath()
	if b.mem.empty() {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing the ownership record: %w", err)
		}
		b.saved, b.stamp, b.stale = b.mem, fileStamp{}, false
		return nil
	}
	data, err := json.MarshalIndent(b.encodeState(b.mem), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the ownership record: %w", err)
	}
	stamp, err := writeAtomic(path, append(data, '\n'))
	if err != nil {
		return fmt.Errorf("writing the ownership record: %w", err)
	}
	b.saved, b.stamp, b.stale = b.mem, stamp, false
	return nil
}

// writeAtomic replaces path with data: a temporary file in the same
// directory, synced, then renamed over path. It returns the new file's
// stamp.
func writeAtomic(path string, data []byte) (fileStamp, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fileStamp{}, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fileStamp{}, err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fileStamp{}, err
	}
	if err := tmp.Sync(); err != nil {
		return fileStamp{}, err
	}
	fi, err := tmp.Stat()
	if err != nil {
		return fileStamp{}, err
	}
	if err := tmp.Close(); err != nil {
		return fileStamp{}, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fileStamp{}, err
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename itself survives a crash
		d.Close()
	}
	// A rename changes the ctime: stat again for the stamp refresh compares.
	if after, err := os.Stat(path); err == nil {
		return stampOf(after), nil
	}
	return stampOf(fi), nil
}
