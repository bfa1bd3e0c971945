// Package nft is the nftables engine: a firewall.Backend that keeps the
// tables of one owner equal to a desired Ruleset over netlink, without
// executing anything.
//
// # Ownership
//
// Each (family, iptables table) that has chains becomes the table
// OWNER-TABLE (e.g. "nftsync-nat", see WithOwner) in family ip or ip6.
// Built-in chains are base chains hooked with the type and priority
// iptables-nft uses; user chains are regular chains. No other table is
// read beyond its name, or written. A rule in an owned table that nftsync
// did not write is foreign: Read shows it as a placeholder (ForeignComment)
// and Apply deletes it; an owned table someone made dormant is woken
// (WakeTable).
//
// # Userdata
//
// Every rule carries its iptables form in its userdata, so the state is
// read back from the kernel alone. The userdata is a list of TLVs (type,
// length, value): type 0 is the comment nft shows, type 8 the spec (a
// version byte, the position of the -m comment match or 0xff, then the
// rule in iptables-save form without that match), continued over further
// type 8 TLVs when longer than 255 bytes; the kernel stores 256 bytes at
// most. A dumped rule is recognised as the desired rule its userdata
// names when its expressions are that rule's: byte-identical, or equal
// once decoded and normalised (live counters, defaults the kernel fills
// in, anonymous set names).
//
// # Generation check and in-memory state
//
// Apply starts with one NFT_MSG_GETGEN round trip. The backend keeps the
// owned state it last wrote or verified in memory, with every rule's
// handle, as of a generation. When the generation is unchanged, Apply of
// the same Ruleset pointer returns at once, and Apply of a new desired
// state diffs it against the state in memory: a one-rule change translates
// one rule and sends one small batch, without dumping. A rule's
// translation (its entry: the marshalled expressions and userdata, held
// once, as the NEWRULE attributes) is found by the *rule.Rule pointer at
// the same place, or at a constant offset, in the same chain of the
// previous desired state, else by the rule's text; so a desired state
// passed again with one rule changed costs one pointer comparison a rule. When the generation moved,
// someone else changed the ruleset: Apply dumps the owned tables (one
// table dump, then one chain dump and one rule dump per owned table),
// reads the generation again to detect a dump that raced a change, and
// repairs the difference ("drift").
//
// # The batch
//
// All changes, for both families, go in one atomic batch that carries the
// generation it was planned against (NFNL_BATCH_GENID): when the ruleset
// changed in between, the kernel refuses it with ERESTART and Apply reads
// and plans again (WithMaxRetries). Messages are ordered tables, chains,
// rule deletions, new rules, chain deletions, so each is valid where it
// stands; kept rules keep their handles (a longest common subsequence of
// each chain) and new rules are inserted before the next kept one. No
// message asks for an ACK; a GETGEN sent after the batch is the barrier
// that ends its replies, and the echo of the first message reports the new
// generation. The handles of new rules are learnt by echoing only the
// first and the last new rule of each table and counting the ones in
// between (the kernel numbers them from one counter); when the count does
// not match, the state in memory is dropped and the next Apply dumps. A
// cold apply is one batch.
//
// # Change notifications
//
// Watch subscribes to the kernel's nftables notifications in the
// backend's namespace and reports each committed transaction once, with
// the generation it created and whether it touched an owned table, or a
// loss of notifications (ENOBUFS, or the socket's drop counter). The
// first message of every batch asks for an echo, so the backend learns
// the generation each of its commits created: Committed tells its own
// transactions from someone else's, which is how a controller repairs
// only foreign changes (see controller.Drift).
//
// # Errors
//
// A refused message is mapped back to what it did: a rule's refusal is a
// *firewall.RuleError naming the rule, with the kernel's extended-ACK text
// or, when there is none, a hint explaining the errno for that message
// type (e.g. ENOENT on a new rule: a chain or set it refers to does not
// exist). A refused batch changed nothing, so the socket and the state in
// memory stay; after any other failure the socket is closed and the next
// call re-reads everything.
//
// An accept verdict in an owned table does not stop other tables' base
// chains on the same hook (iptables-nft's own tables, Docker's DROP policy)
// from dropping the packet.
package nft
