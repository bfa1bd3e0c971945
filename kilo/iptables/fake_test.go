package iptables_test

import (
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/kilo/iptables"
	"github.com/nftsync/nftsync/rule"
)

// fakeClient is an in-memory iptables for one family. Like iptables, it
// compares rules by meaning (-C finds `-d 10.5.0.2/24` when `-d
// 10.5.0.0/24` is there) and lists them normalised, refuses to delete a
// chain that holds rules or that a rule jumps to, and reports a missing
// chain with an error whose IsNotExist is true.
type fakeClient struct {
	fam    rule.Family
	order  []string            // "table/chain" in creation order, built-ins first
	chains map[string][]string // "table/chain" -> rules, normalised
	calls  map[string]int      // method name -> calls
}

var _ iptables.Client = (*fakeClient)(nil)

func newFakeClient(fam rule.Family) *fakeClient {
	f := &fakeClient{fam: fam, chains: map[string][]string{}, calls: map[string]int{}}
	for _, table := range []string{"filter", "nat", "mangle", "raw", "security"} {
		for _, c := range rule.BuiltinChains[table] {
			f.addChain(table + "/" + c)
		}
	}
	return f
}

// fakeError is what iptables' exit status and message say.
type fakeError struct {
	status   int
	msg      string
	notExist bool
}

func (e *fakeError) Error() string    { return e.msg }
func (e *fakeError) ExitStatus() int  { return e.status }
func (e *fakeError) IsNotExist() bool { return e.notExist }
func noChain(table, chain string) error {
	return &fakeError{status: 1, msg: fmt.Sprintf("iptables: No chain/target/match by that name (%s %s).", table, chain), notExist: true}
}

func (f *fakeClient) addChain(k string) {
	f.order = append(f.order, k)
	f.chains[k] = []string{}
}

func (f *fakeClient) norm(spec []string) (string, error) {
	r, err := rule.Parse(f.fam, spec)
	if err != nil {
		return "", &fakeError{status: 2, msg: "iptables v1.8.9: " + err.Error()}
	}
	return r.String(), nil
}

// index returns the position of the rule equal to spec in the chain, -1 if
// none, or an error for a missing chain or a bad rule.
func (f *fakeClient) index(table, chain string, spec []string) (string, int, error) {
	s, err := f.norm(spec)
	if err != nil {
		return "", -1, err
	}
	rs, ok := f.chains[table+"/"+chain]
	if !ok {
		return s, -1, noChain(table, chain)
	}
	for i, x := range rs {
		if x == s {
			return s, i, nil
		}
	}
	return s, -1, nil
}

func (f *fakeClient) AppendUnique(table, chain string, spec ...string) error {
	f.calls["AppendUnique"]++
	s, i, err := f.index(table, chain, spec)
	if err != nil || i >= 0 {
		return err
	}
	k := table + "/" + chain
	f.chains[k] = append(f.chains[k], s)
	return nil
}

func (f *fakeClient) InsertUnique(table, chain string, pos int, spec ...string) error {
	f.calls["InsertUnique"]++
	s, i, err := f.index(table, chain, spec)
	if err != nil || i >= 0 {
		return err
	}
	k := table + "/" + chain
	rs := f.chains[k]
	if pos < 1 || pos > len(rs)+1 {
		return &fakeError{status: 1, msg: "iptables: Index of insertion too big."}
	}
	f.chains[k] = append(rs[:pos-1:pos-1], append([]string{s}, rs[pos-1:]...)...)
	return nil
}

func (f *fakeClient) Delete(table, chain string, spec ...string) error {
	f.calls["Delete"]++
	_, i, err := f.index(table, chain, spec)
	if err != nil {
		return err
	}
	if i < 0 {
		return &fakeError{status: 1, msg: "iptables: Bad rule (does a matching rule exist in that chain?).", notExist: true}
	}
	k := table + "/" + chain
	f.chains[k] = append(f.chains[k][:i], f.chains[k][i+1:]...)
	return nil
}

func (f *fakeClient) Exists(table, chain string, spec ...string) (bool, error) {
	f.calls["Exists"]++
	_, i, err := f.index(table, chain, spec)
	return i >= 0, err
}

func (f *fakeClient) List(table, chain string) ([]string, error) {
	f.calls["List"]++
	rs, ok := f.chains[table+"/"+chain]
	if !ok {
		return nil, noChain(table, chain)
	}
	head := "-N " + chain
	if rule.IsBuiltinChain(table, chain) {
		head = "-P " + chain + " ACCEPT"
	}
	out := []string{head}
	for _, r := range rs {
		out = append(out, "-A "+chain+" "+r)
	}
	return out, nil
}

func (f *fakeClient) ClearChain(table, chain string) error {
	f.calls["ClearChain"]++
	k := table + "/" + chain
	if _, ok := f.chains[k]; !ok {
		f.addChain(k)
	}
	f.chains[k] = []string{}
	return nil
}

func (f *fakeClient) DeleteChain(table, chain string) error {
	f.calls["DeleteChain"]++
	k := table + "/" + chain
	rs, ok := f.chains[k]
	switch {
	case !ok:
		return noChain(table, chain)
	case rule.IsBuiltinChain(table, chain):
		return &fakeError{status: 1, msg: "iptables: Can't delete built-in chain."}
	case len(rs) > 0:
		return &fakeError{status: 1, msg: "iptables: Directory not empty."}
	}
	for other, rs := range f.chains {
		if t, _, _ := strings.Cut(other, "/"); t != table {
			continue
		}
		for _, r := range rs {
			if strings.HasSuffix(r, " -j "+chain) || strings.Contains(r, " -j "+chain+" ") || r == "-j "+chain {
				return &fakeError{status: 1, msg: "iptables v1.8.9 (nf_tables): CHAIN_DEL failed (Device or resource busy): chain " + chain}
			}
		}
	}
	delete(f.chains, k)
	for i, x := range f.order {
		if x == k {
			f.order = append(f.order[:i], f.order[i+1:]...)
			break
		}
	}
	return nil
}

func (f *fakeClient) NewChain(table, chain string) error {
	f.calls["NewChain"]++
	k := table + "/" + chain
	if _, ok := f.chains[k]; ok {
		return &fakeError{status: 1, msg: "iptables: Chain already exists."}
	}
	f.addChain(k)
	return nil
}

func (f *fakeClient) ListChains(table string) ([]string, error) {
	f.calls["ListChains"]++
	var out []string
	for _, k := range f.order {
		if t, c, _ := strings.Cut(k, "/"); t == table {
			out = append(out, c)
		}
	}
	return out, nil
}

// rules returns a chain's rules, normalised; "-" for a missing chain.
func (f *fakeClient) rules(table, chain string) []string {
	rs, ok := f.chains[table+"/"+chain]
	if !ok {
		return []string{"-"}
	}
	return rs
}

// count returns the number of rules in all chains.
func (f *fakeClient) count() int {
	n := 0
	for _, rs := range f.chains {
		n += len(rs)
	}
	return n
}

// userChains returns the user-defined chains, as "table/chain".
func (f *fakeClient) userChains() []string {
	var out []string
	for _, k := range f.order {
		t, c, _ := strings.Cut(k, "/")
		if !rule.IsBuiltinChain(t, c) {
			out = append(out, k)
		}
	}
	return out
}

// writes returns the number of calls that change something.
func (f *fakeClient) writes() int {
	n := 0
	for _, m := range []string{"AppendUnique", "InsertUnique", "Delete", "ClearChain", "DeleteChain", "NewChain"} {
		n += f.calls[m]
	}
	return n
}

// reads returns the number of calls that only read.
func (f *fakeClient) reads() int {
	return f.calls["List"] + f.calls["ListChains"] + f.calls["Exists"]
}

func (f *fakeClient) resetCalls() { f.calls = map[string]int{} }

// put adds rules directly, as another program would (a chain: "-N NAME").
func (f *fakeClient) put(table, chain string, spec ...string) {
	if len(spec) == 0 {
		if err := f.NewChain(table, chain); err != nil {
			panic(err)
		}
		return
	}
	if err := f.AppendUnique(table, chain, spec...); err != nil {
		panic(err)
	}
}
