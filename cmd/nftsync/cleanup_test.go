package main

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// TestCleanup removes the owner's tables and nothing else; a second
// cleanup is not an error.
func TestCleanup(t *testing.T) {
	ns := netnstest.New(t)
	ns.NFT("table inet foreign {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t}\n}\n")
	mustRun(t, 0, ns, "", "apply", "-4", kiloV4, "-6", kiloV6)
	// Another owner's rules in the same namespace stay.
	if r := runBin(t, "", nil, "apply", "-4", kiloV4, "--owner", "other", "--netns", ns.Name); r.code != 0 {
		t.Fatalf("apply --owner other: %s", r)
	}
	mustRun(t, 0, ns, "", "cleanup")
	tables := ns.Exec("nft", "list", "tables")
	if strings.Contains(tables, "test-") {
		t.Errorf("owned tables left after cleanup:\n%s", tables)
	}
	for _, keep := range []string{"table inet foreign", "table ip other-nat"} {
		if !strings.Contains(tables, keep) {
			t.Errorf("cleanup removed %q:\n%s", keep, tables)
		}
	}
	mustRun(t, 0, ns, "", "cleanup")
	if got := mustRun(t, 0, ns, "", "list").stdout; strings.Contains(got, "-A ") {
		t.Errorf("list after cleanup:\n%s", got)
	}
}
