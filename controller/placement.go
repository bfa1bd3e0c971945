package controller

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/nftsync/nftsync/compat"
)

// WithPlacement keeps the chains of the given iptables tables (e.g.
// "filter") inside iptables' own tables instead of the owner's OWNER-TABLE
// tables, so that an ACCEPT there is final where iptables' own chain drops
// (a FORWARD policy DROP set by Docker): Kilo's prepended FORWARD accepts
// need this. With the nftables engine the rules go natively into
// iptables-nft's tables, encoded as iptables-nft writes them (see package
// nft, "Placement"); only extensions with an xtables encoding can be
// placed, others are refused before anything changes.
//
// On a host whose iptables uses the legacy tables, rules in iptables-nft's
// tables would not be where iptables' drops happen: with WithBackend
// ("auto") such a host gets the iptables engine, which keeps every chain in
// iptables' own tables anyway, and an explicit WithBackend("nftables") is
// refused with the reason. With the iptables engine the option changes
// nothing (all its chains are placed).
func WithPlacement(tables ...string) Option {
	return func(o *options) { o.placement = append(o.placement, tables...) }
}

// WithAutoPlacement turns the nftables engine's automatic placement on
// (the default) or off: the chains of an iptables table of one family go
// into iptables-nft's own table while one of its rules uses an extension
// the kernel loads only in a table of that name (TTL, TPROXY, NETMAP, CT
// with options: they cannot run in the owner's OWNER-TABLE tables), and
// come back once none does (see package nft, "Placement"). Off, such
// rules are refused. The iptables engine places every chain anyway.
func WithAutoPlacement(on bool) Option {
	return func(o *options) { o.noAutoPlacement = !on }
}

// checkPlacement refuses placement with the nftables engine chosen
// explicitly on a host whose iptables is legacy.
func checkPlacement(o options, logger *slog.Logger) error {
	if len(o.placement) == 0 {
		return nil
	}
	copts := []compat.Option{compat.WithPreference(BackendIPTables), compat.WithLogger(logger)}
	if o.netns != "" {
		copts = append(copts, compat.WithNetNS(o.netns))
	}
	d, err := compat.Detect(context.Background(), copts...)
	if err != nil {
		return fmt.Errorf("placement: %w", err)
	}
	if d.Mode == compat.ModeLegacy {
		return fmt.Errorf("placement of %s: iptables on this host uses the legacy tables (%s), where the nftables engine cannot place rules; use the iptables or auto backend", strings.Join(o.placement, ","), d.Reason)
	}
	return nil
}
