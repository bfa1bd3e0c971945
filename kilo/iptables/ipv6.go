package iptables

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Where the kernel says whether it has IPv6: the ipv6 module's disable
// parameter (what Kilo reads; 1 with ipv6.disable=1 on the kernel command
// line), and the IPv6 sysctls, which exist only when IPv6 is up. Variables
// so that tests can point them elsewhere.
var (
	ipv6DisablePath = "/sys/module/ipv6/parameters/disable"
	ipv6ProcPath    = "/proc/sys/net/ipv6"
)

// ipv6Unavailable returns why this host's kernel cannot take IPv6 rules, or
// "" when it can.
func ipv6Unavailable() (string, error) {
	b, err := os.ReadFile(ipv6DisablePath)
	switch {
	case err == nil && strings.TrimSpace(string(b)) == "1":
		return "IPv6 is disabled in the kernel (ipv6.disable=1)", nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("checking whether IPv6 is disabled: %w", err)
	}
	// Without the parameter (a kernel built without IPv6, or /sys not
	// mounted), the sysctls decide.
	if _, err := os.Stat(ipv6ProcPath); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "the kernel has no IPv6 (" + ipv6ProcPath + " is missing)", nil
		}
		return "", fmt.Errorf("checking whether IPv6 is available: %w", err)
	}
	return "", nil
}
