package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// TestReadOnlyCommandsCommitNothing runs list and diff with the default
// --backend auto under `nft monitor`: the monitor must record no event
// from them. A table added afterwards marks the end of the run, so the
// test knows the monitor has seen everything before it.
func TestReadOnlyCommandsCommitNothing(t *testing.T) {
	ns := netnstest.New(t)
	netnstest.RequireBinary(t, "nft")
	mustRun(t, 0, ns, "", "apply", "-4", kiloV4)

	mon := exec.Command("ip", "netns", "exec", ns.Name, "stdbuf", "-oL", "nft", "monitor")
	out, err := mon.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := mon.Start(); err != nil {
		t.Fatalf("starting nft monitor: %v", err)
	}
	defer func() { _ = mon.Process.Kill(); _ = mon.Wait() }()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// nft monitor says nothing when it has subscribed; a first marker it
	// reports proves the subscription is in place.
	waitMarker := func(name string) []string {
		var seen []string
		deadline := time.After(20 * time.Second)
		for try := 0; ; try++ {
			// A new table each time: adding one that exists is no event.
			ns.NFT(fmt.Sprintf("add table inet %s_%d", name, try))
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("nft monitor ended; saw %q", seen)
				}
				if strings.Contains(l, name) {
					return seen
				}
				seen = append(seen, l)
			case <-deadline:
				t.Fatalf("nft monitor did not report table %s; saw %q", name, seen)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	waitMarker("marker_start")
	// Drain the rest of the start marker's events (its generation line).
	for drained := false; !drained; {
		select {
		case <-lines:
		case <-time.After(200 * time.Millisecond):
			drained = true
		}
	}
	mustRun(t, 0, ns, "", "list")
	mustRun(t, 0, ns, "", "list", "-6", "-o", "json")
	mustRun(t, 0, ns, "", "diff", "-4", kiloV4)
	mustRun(t, 2, ns, "", "diff", "-4", kiloV4, "-6", kiloV6)
	for _, l := range waitMarker("marker_end") {
		if !strings.Contains(l, "marker_start") {
			t.Errorf("nft monitor saw an event during list and diff: %s", l)
		}
	}
}
