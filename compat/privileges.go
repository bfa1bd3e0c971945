package compat

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Without CAP_NET_ADMIN every iptables program fails, some with a message
// and exit status 4, and a backend owning nothing yet would not even run
// one: `list` and `cleanup` would claim that nothing is owned. So every
// call checks first that the process has CAP_NET_ADMIN (in its user
// namespace; a namespace another user namespace owns still refuses, and
// then the iptables program's own refusal is reported, see execError), and
// fails with an error wrapping EPERM, as the nftables engine's netlink
// calls do.

// capNetAdmin is CAP_NET_ADMIN's bit in the effective set.
const capNetAdmin = 1 << unix.CAP_NET_ADMIN

// checkPrivileges returns an error wrapping unix.EPERM when the process
// lacks CAP_NET_ADMIN. The answer is kept: a process cannot regain a
// capability it dropped, and one that drops it later is refused by
// iptables itself.
func (b *Backend) checkPrivileges() error {
	if b.privChecked {
		return b.privErr
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err == nil && data[0].Effective&capNetAdmin == 0 {
		b.privErr = fmt.Errorf("compat: the iptables engine needs CAP_NET_ADMIN: %w", unix.EPERM)
	}
	b.privChecked = true
	return b.privErr
}
