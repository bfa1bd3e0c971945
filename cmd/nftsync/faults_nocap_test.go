package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// unprivileged are the two ways a fault test runs nftsync without
// CAP_NET_ADMIN: root without capabilities, and the user nobody.
var unprivileged = [][]string{
	{"--inh-caps=-all", "--bounding-set=-all"},           // root without capabilities
	{"--reuid=65534", "--regid=65534", "--clear-groups"}, // nobody
}

// openCopies copies the binary and files (mode 0644) into a directory
// any user can read, and returns the copies' paths, the binary first: an
// unprivileged user cannot read the test's temp dirs.
func openCopies(t *testing.T, files ...string) []string {
	t.Helper()
	open := t.TempDir()
	for _, d := range []string{filepath.Dir(open), open} { // the test's temp root is 0700
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copies := []string{filepath.Join(open, "nftsync")}
	if err := os.WriteFile(copies[0], []byte(readFile(t, nftsyncBin(t))), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		c := filepath.Join(open, filepath.Base(f))
		if err := os.WriteFile(c, []byte(readFile(t, f)), 0o644); err != nil {
			t.Fatal(err)
		}
		copies = append(copies, c)
	}
	return copies
}

// runWithout runs bin with args in the namespace under setpriv with the
// options who (one of unprivileged). setpriv runs inside the namespace:
// --netns itself would need the capability being dropped.
func runWithout(t *testing.T, ns *netnstest.NS, who []string, bin string, args ...string) result {
	t.Helper()
	setpriv := netnstest.RequireBinary(t, "setpriv")
	argv := append([]string{"ip", "netns", "exec", ns.Name, setpriv}, who...)
	argv = append(append(argv, "--", bin), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	r := result{stderr: string(out)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	}
	return r
}

// isNoCapSentence reports whether r is exit 1 with the one sentence that
// names CAP_NET_ADMIN.
func isNoCapSentence(r result) bool {
	return r.code == 1 && strings.HasPrefix(r.stderr, "nftsync: operation not permitted: ") &&
		strings.HasSuffix(r.stderr, " the firewall needs CAP_NET_ADMIN (run as root)\n") && strings.Count(r.stderr, "\n") == 1
}

// TestNFTablesNoCapNetAdmin: without CAP_NET_ADMIN, as root without
// capabilities and as nobody, every command with the nftables engine,
// chosen or automatic, says so in one sentence and exits 1, and nothing
// changes.
func TestNFTablesNoCapNetAdmin(t *testing.T) {
	f := newNFTFault(t, 4)
	f.run(0, "apply", "test", "apply", "-4", f.paths[0])
	before := f.ns.Exec("nft", "list", "ruleset")
	copies := openCopies(t, f.paths[1])
	bin, rules := copies[0], copies[1]
	for _, who := range unprivileged {
		for _, backend := range []string{"nftables", "auto"} {
			for _, args := range [][]string{{"apply", "-4", rules}, {"diff", "-4", rules}, {"list"}, {"cleanup"}} {
				args = append(args, "--backend", backend, "--owner", "test", "--state-dir", filepath.Dir(bin), "--log-level", "warn")
				if r := runWithout(t, f.ns, who, bin, args...); !isNoCapSentence(r) {
					t.Errorf("%v as %v: want exit 1 and one sentence naming CAP_NET_ADMIN, got %s", args, who, r)
				}
			}
		}
	}
	if after := f.ns.Exec("nft", "list", "ruleset"); after != before {
		t.Errorf("the ruleset changed without capabilities:\n%s", after)
	}
}
