package nft

import (
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// hint explains a kernel error that came without extended-ACK text: the
// bare errno ("no such file or directory") says little about nftables.
// The errno stays wrapped (errors.Is works).
func hint(msg netlink.HeaderType, err error) error {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return err
	}
	if h := hintText(int(msg)&0xff, errno); h != "" {
		return fmt.Errorf("%w (%s)", err, h)
	}
	return err
}

// hintText is the explanation of errno for an nftables message type.
func hintText(msg int, errno unix.Errno) string {
	switch errno {
	case unix.ENOENT:
		switch msg {
		case unix.NFT_MSG_NEWRULE:
			// xt_rateest and xt_nfacct answer ENOENT too.
			return "a chain, set or table the rule refers to does not exist, or a kernel object its xtables match names: " +
				"-m rateest's estimator (made by a RATEEST rule in the same or an earlier batch), -m nfacct's object"
		case unix.NFT_MSG_DELRULE:
			return "the rule or its chain no longer exists"
		case unix.NFT_MSG_NEWCHAIN, unix.NFT_MSG_NEWSET, unix.NFT_MSG_NEWSETELEM:
			return "its table or set does not exist"
		case unix.NFT_MSG_DELCHAIN, unix.NFT_MSG_DELTABLE:
			return "it no longer exists"
		}
		return "something the message refers to does not exist"
	case unix.EOPNOTSUPP:
		return "the statement is not supported in this chain's type or hook, e.g. NAT outside a nat chain"
	case unix.EBUSY:
		return "the chain or table is still in use: a rule jumps to it or it holds rules"
	case unix.EEXIST:
		return "it exists already"
	case unix.ELOOP:
		return "the jumps between chains form a loop"
	case unix.EMLINK:
		return "jumps nest too deeply, e.g. a chain jumps to itself"
	case unix.EPERM:
		return "changing nftables needs CAP_NET_ADMIN in the network namespace"
	case unix.EINVAL:
		return "the kernel found a value or combination it does not accept"
	}
	return ""
}
