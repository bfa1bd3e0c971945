package nft

import (
	"testing"

	"github.com/nftsync/nftsync/rule"
)

// TestSpecIndex: entries are found by their key, also when two keys have
// the same sum (forced here), and not by another key with that sum; an
// entry dropped from the sums' map leaves the other one found.
func TestSpecIndex(t *testing.T) {
	var x specIndex
	var ents []*entry
	var keys []specKey
	var rules []*rule.Rule
	for _, s := range []string{"-s 10.0.0.1/32 -j ACCEPT", "-s 10.0.0.2/32 -j ACCEPT", "-s 10.0.0.3/32 -j ACCEPT"} {
		r, err := rule.ParseString(rule.IPv4, s)
		if err != nil {
			t.Fatal(err)
		}
		ents = append(ents, &entry{src: r, fam: r.Family})
		rules = append(rules, r)
		keys = append(keys, keyOf(r))
	}
	const sum = 7
	x.put(keys[0], sum, ents[0])
	x.put(keys[1], sum, ents[1])
	if x.get(rules[0], keys[0], sum) != ents[0] || x.get(rules[1], keys[1], sum) != ents[1] || x.len() != 2 {
		t.Fatal("entries with the same sum not told apart")
	}
	if x.get(rules[2], keys[2], sum) != nil || x.get(rules[0], keys[0], keys[0].sum()) != nil {
		t.Fatal("an entry found under another key")
	}
	x.keep(func(e *entry) bool { return e != ents[0] })
	if x.get(rules[0], keys[0], sum) != nil || x.get(rules[1], keys[1], sum) != ents[1] || x.len() != 1 {
		t.Fatal("dropping one entry lost the other")
	}
	x.put(keys[2], sum, ents[2])
	if x.get(rules[2], keys[2], sum) != ents[2] || x.get(rules[1], keys[1], sum) != ents[1] {
		t.Fatal("a new entry under a freed sum not found")
	}
	if got := ents[0].text(); got != "-s 10.0.0.1/32 -j ACCEPT" {
		t.Errorf("text %q", got)
	}
}

// TestSumIndexCollision files keys under one sum, as keys whose sums
// collide are: each is found as itself, by sum or by key, and keep drops
// from both maps.
func TestSumIndexCollision(t *testing.T) {
	keys := []specKey{{spec: "-j ACCEPT"}, {spec: "-j DROP"}, {spec: "-j RETURN"}}
	var x sumIndex[int]
	for i, k := range keys {
		same := func(v int) bool { return keys[v] == k }
		if _, ok := x.find(k, 7, same); ok {
			t.Fatalf("key %d found before it was filed", i)
		}
		x.put(k, 7, i)
	}
	if x.len() != len(keys) {
		t.Fatalf("%d values filed, want %d", x.len(), len(keys))
	}
	for i, k := range keys {
		if v, ok := x.find(k, 7, func(v int) bool { return keys[v] == k }); !ok || v != i {
			t.Errorf("key %d: found %d, %v", i, v, ok)
		}
	}
	x.keep(func(v int) bool { return v == 2 })
	if v, ok := x.find(keys[2], 7, func(v int) bool { return v == 2 }); !ok || v != 2 || x.len() != 1 {
		t.Errorf("after keep: found %d, %v, %d filed", v, ok, x.len())
	}
}
