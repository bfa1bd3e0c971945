package xt

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/google/nftables/expr"
	gxt "github.com/google/nftables/xt"
)

// Kind says whether an extension is a match (-m) or a target (-j).
type Kind uint8

// The kinds of extension.
const (
	Match Kind = iota + 1
	Target
)

// String returns "match" or "target", as nft lists them ("xt match owner").
func (k Kind) String() string {
	if k == Target {
		return "target"
	}
	return "match"
}

// Families is a set of address families an extension is registered for.
type Families uint8

// The address families.
const (
	IPv4 Families = 1 << iota
	IPv6
	BothFamilies = IPv4 | IPv6
)

// Hooks is a set of netfilter hooks: bit NF_INET_* as in the kernel's
// xt_match.hooks and xt_target.hooks.
type Hooks uint8

// The hooks of the inet families (NF_INET_PRE_ROUTING ... NF_INET_POST_ROUTING).
const (
	PreRouting Hooks = 1 << iota
	LocalIn
	Forward
	LocalOut
	PostRouting
	AllHooks = PreRouting | LocalIn | Forward | LocalOut | PostRouting
)

var hookNames = [...]string{"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}

// String lists the hooks by iptables chain name, "/"-separated as the
// kernel's messages do: "OUTPUT/POSTROUTING".
func (h Hooks) String() string {
	var out []string
	for i, n := range hookNames {
		if h&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, "/")
}

// Ext describes one xtables extension at the revision nftsync installs.
type Ext struct {
	Kind Kind
	Name string
	// Rev is the revision, the one iptables 1.8.9 uses.
	Rev uint32
	// Families are the families the kernel registers this revision for.
	Families Families
	// Hooks are the hooks the kernel accepts the extension in (its
	// .hooks, or what its checkentry demands); 0 means all of them.
	Hooks Hooks
	// Table is the table name the kernel demands (its .table, or what its
	// checkentry compares par->table with), "" for none; several names
	// are "|"-separated.
	Table string
	// Size is the length of the info the kernel takes and dumps:
	// XT_ALIGN(sizeof(struct xt_..._info)).
	Size int
}

type key struct {
	kind Kind
	name string
}

var registry = map[key]*Ext{}

// register adds an extension to the registry; each file of this package
// registers its own, once, from a package variable.
func register(e *Ext) *Ext {
	k := key{e.Kind, e.Name}
	if _, dup := registry[k]; dup {
		panic("xt: " + e.Kind.String() + " " + e.Name + " registered twice")
	}
	if e.Size%8 != 0 {
		panic("xt: " + e.Name + ": Size is not XT_ALIGNed")
	}
	registry[k] = e
	return e
}

// Lookup returns the registered extension of that kind and name, or nil.
func Lookup(kind Kind, name string) *Ext {
	return registry[key{kind, name}]
}

// Extensions returns every registered extension, matches first, by name.
func Extensions() []*Ext {
	out := make([]*Ext, 0, len(registry))
	for _, e := range registry {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// String names the extension as nft lists it: "xt match owner".
func (e *Ext) String() string { return "xt " + e.Kind.String() + " " + e.Name }

// ErrTableBound is what the error of Installable wraps (errors.Is): the
// extension runs only in a table of its name, so the rule can run in
// iptables' own table of that name (placement), never in nftsync's.
var ErrTableBound = errors.New("extension loads only in a table of its name")

// TableBoundError is the error of Installable; errors.As finds the
// extension through the errors that wrap it.
type TableBoundError struct{ Ext *Ext }

func (e *TableBoundError) Error() string {
	x := e.Ext
	first, _, _ := strings.Cut(x.Table, "|")
	return fmt.Sprintf("the kernel's %s %s loads only in a table named %s, and nftsync's tables are named OWNER-%s: such a rule can run only through placement in iptables' own %s table",
		x.Name, x.Kind, strings.ReplaceAll(x.Table, "|", " or "), strings.ReplaceAll(x.Table, "|", "/"), first)
}

// Is makes errors.Is(err, ErrTableBound) true.
func (e *TableBoundError) Is(target error) bool { return target == ErrTableBound }

// Tables returns the table names the kernel loads the extension in.
func (e *Ext) Tables() []string {
	if e.Table == "" {
		return nil
	}
	return strings.Split(e.Table, "|")
}

// Installable reports why nftsync cannot install the extension through
// nft_compat, or nil. The kernel checks par->table against the nftables
// table's name, and nftsync's tables are named OWNER-TABLE, never plainly
// "mangle" or "nat": the error is then a *TableBoundError.
func (e *Ext) Installable() error {
	if e.Table != "" {
		return &TableBoundError{Ext: e}
	}
	return nil
}

// CheckHooks returns an error, as the kernel would refuse the extension,
// when a rule reached from the hooks h uses it outside its hooks. h = 0 (a
// chain no built-in chain jumps to) passes, as in iptables.
func (e *Ext) CheckHooks(h Hooks) error {
	if e.Hooks == 0 || h&^e.Hooks == 0 {
		return nil
	}
	return fmt.Errorf("%s %s is used from %s but the kernel accepts it only from %s", e.Name, e.Kind, h&^e.Hooks, e.Hooks)
}

// Expr returns the nft_compat expression that runs the extension with the
// given info, which must be Size bytes.
func (e *Ext) Expr(info []byte) (expr.Any, error) {
	if len(info) != e.Size {
		return nil, fmt.Errorf("%s: info of %d bytes, the kernel takes %d", e, len(info), e.Size)
	}
	u := gxt.Unknown(info)
	if e.Kind == Target {
		return &expr.Target{Name: e.Name, Rev: e.Rev, Info: &u}, nil
	}
	return &expr.Match{Name: e.Name, Rev: e.Rev, Info: &u}, nil
}

// Info returns the raw info of an nft_compat expression (as built by Expr
// or dumped by the kernel) with its kind, name and revision; ok is false
// for any other expression, or for info google/nftables decoded into one of
// its own types (which nftsync never installs).
func Info(x expr.Any) (kind Kind, name string, rev uint32, info []byte, ok bool) {
	switch v := x.(type) {
	case *expr.Match:
		if u, isRaw := v.Info.(*gxt.Unknown); isRaw {
			return Match, v.Name, v.Rev, *u, true
		}
	case *expr.Target:
		if u, isRaw := v.Info.(*gxt.Unknown); isRaw {
			return Target, v.Name, v.Rev, *u, true
		}
	}
	return 0, "", 0, nil, false
}
