package controller

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nftsync/nftsync/compat"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/nft"
)

// newEngine builds the engine the options ask for.
func newEngine(o options, obs firewall.Observer) (firewall.Backend, error) {
	if o.v4 != nil || o.v6 != nil {
		if o.v4 == nil || o.v6 == nil {
			return nil, fmt.Errorf("WithClients needs both an IPv4 and an IPv6 client")
		}
		return newClientEngine(o.v4, o.v6), nil
	}
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	choice, mode := o.backend, ""
	switch o.backend {
	case BackendNFTables:
		if err := checkPlacement(o, logger); err != nil {
			return nil, err
		}
	case BackendAuto, BackendIPTables, "iptables-nft", "iptables-legacy":
		// Detect decides between the engines (auto) or between the
		// iptables flavours (iptables), and logs its reason.
		copts := []compat.Option{compat.WithPreference(o.backend), compat.WithLogger(logger)}
		if o.netns != "" {
			copts = append(copts, compat.WithNetNS(o.netns))
		}
		d, err := compat.Detect(context.Background(), copts...)
		if err != nil {
			return nil, err
		}
		choice, mode = d.Backend, d.Mode
	default:
		return nil, fmt.Errorf("unknown backend %q (want %s, %s or %s)", o.backend, BackendAuto, BackendNFTables, BackendIPTables)
	}
	if choice == BackendNFTables {
		nopts := []nft.Option{nft.WithOwner(o.owner), nft.WithLogger(logger), nft.WithLockWait(o.wait), nft.WithPlacement(o.placement...), nft.WithAutoPlacement(!o.noAutoPlacement), nft.WithSegments(o.segments)}
		if o.netns != "" {
			nopts = append(nopts, nft.WithNetNS(o.netns))
		}
		if obs != nil {
			nopts = append(nopts, nft.WithObserver(obs))
		}
		b, err := nft.New(nopts...)
		if err != nil {
			return nil, fmt.Errorf("starting the nftables engine: %w", err)
		}
		return b, nil
	}
	copts := append([]compat.Option{compat.WithMode(mode), compat.WithLogger(logger)}, o.compatState()...)
	if o.netns != "" {
		copts = append(copts, compat.WithNetNS(o.netns))
	}
	if obs != nil {
		copts = append(copts, compat.WithObserver(obs))
	}
	b, err := compat.New(copts...)
	if err != nil {
		return nil, fmt.Errorf("starting the iptables engine: %w", err)
	}
	return b, nil
}
