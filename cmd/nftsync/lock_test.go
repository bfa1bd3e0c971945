package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/nft"
)

// TestSecondWriterOfOwner checks that apply fails clearly while another
// process writes the same owner in the namespace, and waits for it with
// --wait.
func TestSecondWriterOfOwner(t *testing.T) {
	ns := netnstest.New(t)
	holder, err := nft.New(nft.WithOwner("test"), nft.WithNetNS(ns.Path))
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.Apply(context.Background(), &firewall.Ruleset{}); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, 1, ns, "", "apply", "--backend", "nftables", "-4", kiloV4)
	if !strings.Contains(r.stderr, `owner "test"`) || !strings.Contains(r.stderr, "held by another writer (pid ") {
		t.Errorf("apply while the owner is held: want an error naming the owner and the holder, got %s", r)
	}
	if out := ns.Exec("nft", "list", "tables"); strings.TrimSpace(out) != "" {
		t.Errorf("the refused apply changed the ruleset:\n%s", out)
	}
	go func() {
		time.Sleep(500 * time.Millisecond)
		holder.Close()
	}()
	mustRun(t, 0, ns, "", "apply", "--wait", "--backend", "nftables", "-4", kiloV4)
	if out := ns.Exec("nft", "list", "tables"); !strings.Contains(out, "test-nat") {
		t.Errorf("apply --wait did not apply:\n%s", out)
	}
}

// TestOwnerFreedByKill checks that a writer killed with SIGKILL leaves no
// lock behind: a second watch of the owner fails while the first runs,
// and apply works right after the kill, without --wait.
func TestOwnerFreedByKill(t *testing.T) {
	ns := netnstest.New(t)
	w := startWatch(t, ns, "--backend", "nftables", "-4", kiloV4)
	eventually(t, "watch applies", func() bool { return w.logged("rules applied") != nil })
	second := startWatch(t, ns, "--backend", "nftables", "-4", kiloV4)
	if code := second.wait(t); code != 1 || !strings.Contains(second.stderr.String(), "held by another writer") {
		t.Errorf("second watch of the owner: exit %d, stderr:\n%s", code, second.stderr)
	}
	if err := w.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-w.done
	mustRun(t, 0, ns, "", "apply", "--backend", "nftables", "-4", kiloV4)
}
