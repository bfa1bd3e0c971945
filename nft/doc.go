// Package nft is the nftables engine: a firewall.Backend that keeps the
// tables of one owner equal to a desired Ruleset over netlink, without
// executing anything.
//
// # Ownership
//
// Each (family, iptables table) that has chains becomes the table
// OWNER-TABLE (e.g. "nftsync-nat", see WithOwner) in family ip or ip6,
// created with the comment (table userdata) "nftsync owner OWNER": the
// mark that proves nftsync made it. Built-in chains are base chains hooked
// with the type and priority iptables-nft uses; user chains are regular
// chains. No other table is read beyond its name and mark, or written. A
// table named like an owned one without the owner's mark is someone
// else's: never listed, changed or deleted (CleanUp logs a warning and
// leaves it), and an Apply or Plan that needs it fails with
// ErrForeignTable. Tables an nftsync without marks made are adopted
// (AdoptTable) when nothing in them is someone else's (see ownership.go).
// A rule in an owned table that nftsync did not write is foreign: Read
// shows it as a placeholder (ForeignComment) and Apply deletes it, as it
// deletes chains it does not want and the named sets, maps, stateful
// objects and flowtables someone put in an owned table (DeleteObject, see
// objects.go); an owned table someone made dormant is woken (WakeTable).
//
// # One writer per owner
//
// The first write (Apply, CleanUp) of a Backend takes the owner's lock in
// its network namespace, held until Close: an abstract unix socket named
// "nftsync/nftables/OWNER", bound inside the namespace (see
// internal/ownerlock; it needs no file and dies with the process). A
// second writer of the same owner in the same namespace fails with
// ErrOwnerBusy naming the holder's pid, or waits (WithLockWait). Read and
// Plan take no lock.
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
// A rule whose comment and form do not fit (a long rule; any comment of
// 255 bytes, the most iptables keeps) has no length limit: its form goes
// into its own expressions (see longspec.go). After the expressions of
// its translation come xt comment matches, revision 0 — the no-op match
// iptables-nft writes for -m comment — holding the form in pieces of 255
// bytes, and the userdata holds a reference instead of type 8 (type 0xa:
// version, comment position, number of pieces, the first 16 bytes of the
// SHA-256 of the form) beside nft's comment. A comment longer than the 128
// bytes nft reads is never nft's comment, in either form: it stays in the
// form, and nft shows none, so that `nft list ruleset` still loads with
// nft -f (nft refuses a longer comment). The pieces follow the
// verdict, where the kernel never runs them; in a rule without a verdict
// each always matches. A rule whose pieces do not match its reference is
// not nftsync's: Read shows it as foreign and Apply replaces it.
//
// Why there: the form lives and dies with its rule, in the same NEWRULE
// message, so it is atomic with the rule by construction, survives a
// restart, and leaves nothing else to dump, keep consistent, name in the
// desired state or repair (a side store — a set whose elements carry the
// forms in element userdata — would need all of that, and a lost element
// would make its rules unreadable until the next apply). Recovering the
// whole form from the expressions alone would need an exact decoder of
// every translation back to iptables' options, which is a second
// translator to keep in step with the first. The cost, measured (make
// bench does not run it; BenchmarkLongRules): a piece is 256 bytes of
// match info plus its attributes in the batch (488 bytes per rule for
// `-s A -p tcp --dport 22 -m comment --comment "rule N" -j ACCEPT`, 1044
// with a 255-byte comment, two pieces) and about 275 bytes of kernel
// memory (500 against 1050 bytes per rule in the kmalloc caches for the
// same two rules); a cold apply of 2000 such rules takes about 1.6 times
// as long (medians of three runs: 113 ms against 71 ms; ranges 104-129
// and 58-85) and a fresh Read about 2.4 times (43 ms against 18 ms,
// ranges 41-45 and 14-21). The one limit: the
// kernel takes 128 expressions per rule (NFT_RULE_MAXEXPRS), and a rule
// whose pieces would go past it is refused before anything is sent (40
// -m mark matches fit, 41 do not; iptables-restore's 10 KiB lines need at
// most 41 pieces). nft 1.0.6 lists a table holding an xt expression under
// "# Warning: table ... is managed by iptables-nft, do not touch!" and
// prints nothing for the pieces.
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
// table dump, then per owned table one chain dump and one rule dump per
// chain, on one socket a CPU at once (see reader.readRules for why), and
// the sets, objects and flowtables of a table whose use count says it
// holds more than its chains: see objects.go),
// reads the generation again to detect a dump that raced a change, and
// repairs the difference ("drift"). Read, Plan and Apply read again when
// a dump was interrupted or the generation moved while they read (the
// owned tables and iptables' own tables must come from one generation),
// up to WithMaxRetries times.
//
// # The batch
//
// All changes, for both families, go in one atomic batch that carries the
// generation it was planned against (NFNL_BATCH_GENID): when the ruleset
// changed in between, the kernel refuses it with ERESTART and Apply reads
// and plans again (WithMaxRetries). Messages are ordered tables, chains,
// rule deletions, deletions of sets and objects someone else put in an
// owned table (drift too, see objects.go), new rules, chain deletions, so
// each is valid where it stands; kept rules keep their handles (a longest common subsequence of
// each chain) and new rules are inserted before the next kept one.
//
// The kernel finds a rule by handle by walking its chain from the head,
// so deleting most of a long chain rule by rule is quadratic (20k rules:
// 7.5 s against 0.57 s for `nft -f` with a flush), and the kernel holds
// the namespace's commit mutex, blocking every other nftables writer, for
// the whole batch. For each chain the planner estimates the kernel's cost
// of deleting and inserting by handle against flushing the chain and
// adding every rule again (see cost.go), and takes the cheaper; the
// changes it reports are the same either way. A plan's kernel cost is so
// never much more than that of `nft -f` of the same end state (make
// bench, BenchmarkReplace). Library, CLI and drift repair share the
// planner.
//
// No message asks for an ACK; a GETGEN sent after the batch is the barrier
// that ends its replies, and the echo of the first message reports the new
// generation. That echo reports everything the message does, so the batch
// never starts with a flush or a deletion of a table or chain (see
// echo.go). The handles of new rules are learnt by echoing only the
// first and the last new rule of each table and counting the ones in
// between (the kernel numbers them from one counter); when the count does
// not match, the state in memory is dropped and the next Apply dumps. A
// cold apply is one batch.
//
// The batch is nftsync's own piece, not mdlayher/netlink's SendMessages:
// it is written once into one buffer of its exact size, on all CPUs, a
// new rule's message straight from its entry's body, and sent with one
// sendmsg on the socket's descriptor (sendmsg.go). SendMessages marshalled
// each message into a slice of its own and appended them to a buffer
// growing by doubling: for 10k rules (4.9 MB) that was about 29 ms of CPU
// and 34 MB allocated a batch, a third of the cold apply's allocations.
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
//
// # Segments
//
// A chain longer than about 2n rules (n is DefaultSegmentLen, 1000,
// unless WithSegments says otherwise; 0 keeps every chain whole) is kept
// as kernel chains of about n rules each ("segments", marked in their
// chain userdata), linked by jumps from the chain or by gotos so that
// iptables' RETURN, -g and policy keep their meaning; a one-rule change
// then rewrites one segment. Read, plans and the CLI show one chain.
// segments.go describes the layout and the kernel's bounds on it. A
// ruleset without such a chain is planned as it is, at no cost. Placed
// chains (below) stay whole: iptables-nft reads those tables.
//
// # Placement
//
// WithPlacement keeps the chains of chosen iptables tables inside
// iptables-nft's own tables (ip filter, ...) instead, where an accept is
// final: rules encoded as iptables-nft writes them, owned through an owner
// TLV in their userdata, next to foreign rules that are never touched.
// placement.go describes what is owned and where rules go; the placed
// tables are dumped whenever Apply plans, in the same batch as the owned
// ones.
//
// Placement is also automatic, unless WithAutoPlacement(false): the chains
// of an iptables table of one family move into iptables-nft's table as
// soon as one of its rules uses an extension the kernel loads only in a
// table of that name (TTL, TPROXY, NETMAP, CT with options, ...:
// xt.ErrTableBound), and back once none does, each move in one atomic
// batch (placement_auto.go).
package nft
