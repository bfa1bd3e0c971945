package nft

import "testing"

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
