package compat

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/rule"
)

// recordBackend is a Backend with a record in dir and a made-up namespace,
// enough for the record's own code (no iptables runs).
func recordBackend(t *testing.T, dir string) *Backend {
	t.Helper()
	return &Backend{cfg: config{owner: "kilo", stateDir: dir, log: slog.New(slog.DiscardHandler)},
		ns: nsIdentity{Inode: 4026531840, Cookie: 7, Boot: "boot-1"}, mem: newMemory()}
}

// sampleMemory owns a bit of everything.
func sampleMemory(t *testing.T) *memory {
	m := newMemory()
	in := chainID{rule.IPv4, "filter", "INPUT"}
	own := chainID{rule.IPv4, "filter", "OWN"}
	nat := chainID{rule.IPv6, "nat", "POSTROUTING"}
	fwd := chainID{rule.IPv4, "filter", "FORWARD"}
	m.order = []chainID{in, own, nat}
	m.user[own] = true
	m.policy[fwd] = "DROP"
	for _, r := range []struct {
		id   chainID
		text string
	}{
		{in, `-p tcp --dport 22 -m comment --comment "a b" -j ACCEPT`},
		{in, `-j OWN`},
		{in, `-p tcp --dport 22 -m comment --comment "a b" -j ACCEPT`},
		{nat, `-s fd00::/64 -j MASQUERADE`},
	} {
		s := spec(t, r.id.fam, r.text)
		m.rules[r.id] = append(m.rules[r.id], s.Key())
		m.spec[s.Key()] = s
	}
	return m
}

func TestRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	b := recordBackend(t, dir)
	b.refresh() // no file: nothing owned
	if !b.mem.empty() {
		t.Fatal("owns something without a record")
	}
	b.mem = sampleMemory(t)
	if err := b.persist(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kilo-iptables-net4026531840.json")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("record not at %s: %v", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("record mode %v, want no access for others", fi.Mode())
	}
	other := recordBackend(t, dir)
	other.refresh()
	if !other.mem.equal(b.mem) {
		t.Errorf("read back %+v, want %+v", other.mem, b.mem)
	}
	// Unchanged memory is not written again; a change by another process
	// is read again.
	if err := b.persist(); err != nil {
		t.Fatal(err)
	}
	if fi2, _ := os.Stat(path); !os.SameFile(fi, fi2) {
		t.Error("record rewritten although nothing changed")
	}
	other.mem = newMemory()
	other.mem.order = []chainID{{rule.IPv4, "nat", "PREROUTING"}}
	if err := other.persist(); err != nil {
		t.Fatal(err)
	}
	b.refresh()
	if !b.mem.equal(other.mem) {
		t.Errorf("after another process wrote the record: %+v, want %+v", b.mem, other.mem)
	}
	// Owning nothing removes the record.
	b.mem = newMemory()
	if err := b.persist(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("record still there once nothing is owned: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("files left in the state directory: %q", left)
	}
}

func TestRecordDecode(t *testing.T) {
	b := recordBackend(t, t.TempDir())
	good := b.encodeState(sampleMemory(t))
	tests := []struct {
		name   string
		edit   func(sf *stateFile)
		raw    string // used instead of the edited record when set
		err    string // "" = decodes
		owned  int    // owned rules once decoded
		unused bool
	}{
		{name: "good", edit: func(*stateFile) {}, owned: 4},
		{name: "truncated", raw: `{"version": 1, "owner": "kilo", "chains": [`, err: "decoding"},
		{name: "unknown field", raw: `{"version": 1, "owner": "kilo", "netns": {"inode": 4026531840}, "chains": [], "extra": 1}`, err: "unknown field"},
		{name: "version", edit: func(sf *stateFile) { sf.Version = 2 }, err: "format version 2"},
		{name: "other owner", edit: func(sf *stateFile) { sf.Owner = "other" }, err: `owner "other"`},
		{name: "other namespace", edit: func(sf *stateFile) { sf.NetNS.Inode++ }, err: "another network namespace"},
		{name: "reused inode", edit: func(sf *stateFile) { sf.NetNS.Cookie = 8 }, err: "another network namespace"},
		{name: "other boot", edit: func(sf *stateFile) { sf.NetNS.Boot = "boot-0" }, err: "another network namespace"},
		{name: "no cookie then", edit: func(sf *stateFile) { sf.NetNS.Cookie = 0 }, owned: 4},
		{name: "bad family", edit: func(sf *stateFile) { sf.Chains[0].Family = "arp" }, err: "unknown family"},
		{name: "bad table", edit: func(sf *stateFile) { sf.Chains[0].Table = "broute" }, err: "broute"},
		{name: "bad chain", edit: func(sf *stateFile) { sf.Chains[0].Chain = "A B" }, err: "bad chain name"},
		{name: "twice", edit: func(sf *stateFile) { sf.Chains[1] = sf.Chains[0] }, err: "listed twice"},
		{name: "created built-in", edit: func(sf *stateFile) { sf.Chains[0].Created = true }, err: "built in"},
		{name: "rules in a user chain", edit: func(sf *stateFile) { sf.Chains[1].Rules = []string{"-j ACCEPT"} }, err: "user chain"},
		{name: "bad policy", edit: func(sf *stateFile) { sf.Chains[3].PreviousPolicy = "REJECT" }, err: "bad previous policy"},
		{name: "rule that does not parse is dropped", edit: func(sf *stateFile) { sf.Chains[0].Rules[1] = "--no-such-option" }, owned: 3},
		{name: "pending change", edit: func(sf *stateFile) {
			sf.Pending = &pendingChange{Chains: sf.Chains[:1], Foreign: []foreignRule{{Family: "ip", Table: "filter", Chain: "INPUT", Rule: "-j OWN", Copies: 1}}}
		}, owned: 4},
		{name: "pending change, bad chain", edit: func(sf *stateFile) {
			sf.Pending = &pendingChange{Chains: []stateChain{{Family: "arp", Table: "filter", Chain: "INPUT"}}}
		}, err: "pending change: "},
		{name: "pending change, negative count", edit: func(sf *stateFile) {
			sf.Pending = &pendingChange{Foreign: []foreignRule{{Family: "ip", Table: "filter", Chain: "INPUT", Rule: "-j OWN", Copies: -1}}}
		}, err: "negative count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.raw)
			if tt.raw == "" {
				raw, _ := json.Marshal(good)
				var sf stateFile
				if err := json.Unmarshal(raw, &sf); err != nil {
					t.Fatal(err)
				}
				tt.edit(&sf)
				data, _ = json.Marshal(&sf)
			}
			m, err := b.decodeState(data)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("decodeState: %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeState: %v", err)
			}
			n := 0
			for _, keys := range m.rules {
				n += len(keys)
			}
			if n != tt.owned {
				t.Errorf("%d owned rules, want %d", n, tt.owned)
			}
		})
	}
}

// TestRecordUnusableOwnsNothing: a bad file owns nothing and is replaced by
// the next write even when what is owned did not change, or removed when
// nothing is owned.
func TestRecordUnusableOwnsNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kilo-iptables-net4026531840.json")
	for _, keep := range []bool{true, false} {
		if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		b := recordBackend(t, dir)
		b.refresh()
		if !b.mem.empty() {
			t.Fatal("a corrupt record owns something")
		}
		if keep {
			b.mem = sampleMemory(t)
		}
		if err := b.persist(); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		switch {
		case keep && (err != nil || !strings.HasPrefix(string(data), "{\n")):
			t.Errorf("corrupt record not replaced: %q, %v", data, err)
		case !keep && !os.IsNotExist(err):
			t.Errorf("corrupt record not removed once nothing is owned: %q, %v", data, err)
		}
	}
}

func TestCheckOwner(t *testing.T) {
	for _, tt := range []struct {
		owner string
		ok    bool
	}{
		{"kilo", true}, {"my-owner_1.2", true}, {"", false}, {"a/b", false}, {"..", false},
		{".hidden", false}, {"a b", false}, {"a\x00", false}, {strings.Repeat("x", 201), false},
	} {
		if err := checkOwner(tt.owner); (err == nil) != tt.ok {
			t.Errorf("checkOwner(%q) = %v, want ok %v", tt.owner, err, tt.ok)
		}
	}
}

// BenchmarkRecord writes and reads a record of 10k rules in one built-in
// chain: what an Apply that changed them adds, and what New costs.
func BenchmarkRecord(b *testing.B) {
	m := newMemory()
	in := chainID{rule.IPv4, "filter", "INPUT"}
	m.order = []chainID{in}
	for i := 0; i < 10000; i++ {
		s, err := rule.ParseString(rule.IPv4, fmt.Sprintf(`-s 10.%d.%d.%d -p tcp --dport %d -m comment --comment "rule %d" -j ACCEPT`,
			i>>16&255, i>>8&255, i&255, 1024+i%60000, i))
		if err != nil {
			b.Fatal(err)
		}
		m.rules[in] = append(m.rules[in], s.Key())
		m.spec[s.Key()] = s
	}
	dir := b.TempDir()
	be := &Backend{cfg: config{owner: "bench", stateDir: dir, log: slog.New(slog.DiscardHandler)}, ns: nsIdentity{Inode: 1}}
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			be.mem, be.saved = m, nil
			if err := be.persist(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			be.saved = nil
			be.refresh()
			if len(be.mem.rules[in]) != 10000 {
				b.Fatal("record not read back")
			}
		}
	})
}
