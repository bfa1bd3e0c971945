package iptables

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// fakeIPv6 points the IPv6 checks at files of the test's own: disable is
// the module parameter's content ("" for no file), proc whether the
// sysctl directory exists.
func fakeIPv6(t *testing.T, disable string, proc bool) {
	t.Helper()
	dir := t.TempDir()
	oldDisable, oldProc := ipv6DisablePath, ipv6ProcPath
	t.Cleanup(func() { ipv6DisablePath, ipv6ProcPath = oldDisable, oldProc })
	ipv6DisablePath, ipv6ProcPath = filepath.Join(dir, "disable"), filepath.Join(dir, "ipv6")
	if disable != "" {
		if err := os.WriteFile(ipv6DisablePath, []byte(disable+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if proc {
		if err := os.Mkdir(ipv6ProcPath, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIPv6Unavailable(t *testing.T) {
	for _, tc := range []struct {
		name    string
		disable string
		proc    bool
		want    string // in the reason; "" for IPv6 available
	}{
		{"enabled", "0", true, ""},
		{"ipv6.disable=1", "1", false, "ipv6.disable=1"},
		{"no module parameter, sysctls present", "", true, ""},
		{"kernel without IPv6", "", false, "is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeIPv6(t, tc.disable, tc.proc)
			why, err := ipv6Unavailable()
			if err != nil {
				t.Fatal(err)
			}
			if (tc.want == "") != (why == "") || !strings.Contains(why, tc.want) {
				t.Errorf("ipv6Unavailable() = %q, want a reason containing %q", why, tc.want)
			}
		})
	}
}

// lines is a go-kit style logger that keeps what it is given.
type lines []string

func (l *lines) Log(kv ...interface{}) error {
	*l = append(*l, fmt.Sprint(kv...))
	return nil
}

// TestIPv6DisabledHost: on a host whose kernel has IPv6 disabled, the
// controller says so once (to the logger it was given), installs the IPv4
// rules of a dual-stack RuleSet and leaves the IPv6 ones out, so that the
// ip6 family cannot fail them; reconciling and cleaning up work as usual.
func TestIPv6DisabledHost(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	fakeIPv6(t, "1", false)
	var log lines
	c, err := New(WithNetNS(ns.Path), WithLogger(&log))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var rs RuleSet
	rs.AddToAppend(NewIPv4Chain("nat", "KILO-NAT"))
	rs.AddToAppend(NewIPv6Chain("nat", "KILO-NAT"))
	rs.AddToPrepend(NewIPv4Rule("nat", "POSTROUTING", "-s", "10.2.1.0/24", "-j", "KILO-NAT"))
	rs.AddToPrepend(NewIPv6Rule("nat", "POSTROUTING", "-s", "fd10:2:1::/64", "-j", "KILO-NAT"))
	rs.AddToAppend(NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"))
	rs.AddToAppend(NewIPv6Rule("nat", "KILO-NAT", "-j", "MASQUERADE"))
	for i := 0; i < 2; i++ {
		if err := c.Set(rs); err != nil {
			t.Fatal(err)
		}
		if err := c.Reconcile(); err != nil {
			t.Fatal(err)
		}
	}
	tables := ns.Exec("nft", "list", "tables")
	if !strings.Contains(tables, "table ip kilo-nat") || strings.Contains(tables, "ip6") {
		t.Errorf("tables:\n%s\nwant ip kilo-nat and no ip6 table", tables)
	}
	n := 0
	for _, l := range log {
		if strings.Contains(l, "IPv4 rules only") && strings.Contains(l, "ipv6.disable=1") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the reason was logged %d times, want once:\n%s", n, strings.Join(log, "\n"))
	}
	if err := c.CleanUp(); err != nil {
		t.Fatal(err)
	}
	if left := ns.Exec("nft", "list", "tables"); strings.Contains(left, "kilo") {
		t.Errorf("CleanUp left:\n%s", left)
	}
}
