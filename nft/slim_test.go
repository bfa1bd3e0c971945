package nft

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// TestSlimEntry: a slim entry keeps its userdata and compat attribute,
// builds the same NEWRULE body, recognises its own expressions (by sum)
// and judges others as the full entry does: those with a byte changed,
// one expression more or one less.
func TestSlimEntry(t *testing.T) {
	for _, args := range []string{
		`-p tcp -m owner ! --uid-owner 1 -m comment --comment "with compat"`,
		`-s 10.0.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment "rule 1" -j ACCEPT`,
		`-s 10.0.0.1 -j DROP`,
	} {
		r, err := rule.ParseString(rule.IPv4, args)
		if err != nil {
			t.Fatal(err)
		}
		fat, err := newEntry(r, r.String(), newExprMemo())
		if err != nil {
			t.Fatal(err)
		}
		e, err := newEntry(r, r.String(), newExprMemo())
		if err != nil {
			t.Fatal(err)
		}
		e.shrink(nil)
		if !e.slim {
			t.Fatalf("%s: not made slim", args)
		}
		if len(e.body) >= len(fat.body) {
			t.Errorf("%s: slim body of %d bytes, full %d", args, len(e.body), len(fat.body))
		}
		if !bytes.Equal(e.userdata(), fat.userdata()) || !bytes.Equal(e.compat(), fat.compat()) {
			t.Errorf("%s: slim userdata %q compat %x, want %q %x", args, e.userdata(), e.compat(), fat.userdata(), fat.compat())
		}
		if body, err := e.wire(); err != nil || !bytes.Equal(body, fat.body) {
			t.Errorf("%s: slim NEWRULE body %x (%v), want %x", args, body, err, fat.body)
		}
		elems := fat.installed()
		if !e.sameExprs(unix.NFPROTO_IPV4, elems) {
			t.Errorf("%s: slim entry does not recognise its expressions", args)
		}
		changed := make([][]byte, len(elems))
		for i, el := range elems {
			changed[i] = append([]byte(nil), el...)
		}
		last := changed[len(changed)-1]
		last[len(last)-1] ^= 1
		for name, other := range map[string][][]byte{
			"a byte changed": changed,
			"one more":       append(append([][]byte(nil), elems...), elems[0]),
			"one less":       elems[:len(elems)-1],
		} {
			// A changed byte may be one the decoder ignores: the slim
			// entry judges as the full one does.
			if got, want := e.sameExprs(unix.NFPROTO_IPV4, other), fat.sameExprs(unix.NFPROTO_IPV4, other); got != want || got && name != "a byte changed" {
				t.Errorf("%s: with %s, slim entry says same %v, full entry %v", args, name, got, want)
			}
		}
	}
}

// TestSlimRead: rules whose entries are slim are recognised in a dump
// (their handles kept), those the kernel dumps otherwise than sent too,
// and again once their sums are learnt; a rule changed by someone else
// is not taken for its entry.
func TestSlimRead(t *testing.T) {
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns)
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "FORWARD", "",
		`-s 10.0.1.2/32 -p tcp -m tcp --dport 1234 -m comment --comment "rule 12" -j ACCEPT`,
		`-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
		`-p tcp -m multiport --dports 80,443 -j ACCEPT`,
		`-p icmp -m limit --limit 5/sec -j LOG --log-prefix "x: "`,
		`-i eth0 -o wg0 -j ACCEPT`,
	)}}
	apply(t, b, rs)
	slim := 0
	for _, w := range b.lastD.tables[0].chains[0].rules {
		if w.ent.slim {
			slim++
		} else if len(w.ent.norms) == 0 && w.ent.withSets == nil {
			t.Errorf("entry of %s not slim once installed", w.ent.text())
		}
	}
	if slim < 3 {
		t.Errorf("%d entries slim, want 3", slim)
	}
	before := listing(ns, "ip", "nftsync-filter")
	for read := 0; read < 2; read++ {
		b.forget()
		if p := apply(t, b, rs); len(p.Changes) != 0 {
			t.Fatalf("read %d: %v", read, p.Changes)
		}
	}
	if after := listing(ns, "ip", "nftsync-filter"); after != before {
		t.Fatalf("ruleset changed:\n%s\nwant\n%s", after, before)
	}
	// Someone changes the port of the first rule in place.
	h := ns.Exec("sh", "-c", `nft -a list chain ip nftsync-filter FORWARD | grep 1234 | sed 's/.*# handle //'`)
	ns.NFT("replace rule ip nftsync-filter FORWARD handle " + strings.TrimSpace(h) + " ip saddr 10.0.1.2 tcp dport 1235 counter accept")
	b.forget()
	if p := apply(t, b, rs); len(p.Changes) == 0 {
		t.Fatal("a rule changed by someone else was taken for nftsync's")
	}
	if after := listing(ns, "ip", "nftsync-filter"); after != before {
		t.Fatalf("not repaired:\n%s\nwant\n%s", after, before)
	}
}

// TestSlimReadd: after someone flushes a chain of slim entries, the
// repair adds every rule again, as installed the first time, and the
// entries are slim again once planned.
func TestSlimReadd(t *testing.T) {
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns)
	var rules []string
	for i := 0; i < 600; i++ {
		rules = append(rules, fmt.Sprintf("-s 10.0.%d.%d/32 -p tcp -m tcp --dport %d -j ACCEPT", i/250, i%250, 1000+i))
	}
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "FORWARD", "", rules...)}}
	apply(t, b, rs)
	before := listing(ns, "ip", "nftsync-filter")
	ns.NFT("flush chain ip nftsync-filter FORWARD")
	if p := apply(t, b, rs); len(p.Changes) != len(rules) {
		t.Fatalf("repair made %d changes, want %d", len(p.Changes), len(rules))
	}
	if after := listing(ns, "ip", "nftsync-filter"); after != before {
		t.Fatalf("repaired ruleset differs:\n%s\nwant\n%s", after, before)
	}
	for _, w := range b.lastD.tables[0].chains[0].rules {
		if !w.ent.slim {
			t.Fatalf("entry of %s not slim after the repair", w.ent.text())
		}
	}
}
