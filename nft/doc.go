// Package nft is the nftables engine: a firewall.Backend that keeps the
// tables of one owner equal to a desired Ruleset over netlink, reading the
// state with one dump per table, writing only the differences in one atomic
// batch, and checking the ruleset generation to do nothing when nothing
// changed (and to diff against the state it wrote, kept in memory, when
// only the desired state changed).
package nft
