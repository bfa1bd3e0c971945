package xt

// EUI64Match is ip6t_eui64, revision 0: IPv6 only, its info an unused int,
// and the kernel accepts it only before routing decides the packet's
// output (PREROUTING, INPUT, FORWARD), where the MAC header is known.
var EUI64Match = register(&Ext{Kind: Match, Name: "eui64", Rev: 0, Families: IPv6, Hooks: PreRouting | LocalIn | Forward, Size: 8})
