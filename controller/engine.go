package controller

import (
	"fmt"

	"github.com/nftsync/nftsync/firewall"
)

// newEngine builds the engine the options ask for.
func newEngine(o options, obs firewall.Observer) (firewall.Backend, error) {
	if o.v4 != nil || o.v6 != nil {
		if o.v4 == nil || o.v6 == nil {
			return nil, fmt.Errorf("WithClients needs both an IPv4 and an IPv6 client")
		}
		return newClientEngine(o.v4, o.v6), nil
	}
	return nil, fmt.Errorf("backend %q is not available yet", o.backend)
}
