// Package compat is the iptables engine: a firewall.Backend that keeps rules
// in iptables' own tables with iptables-save and iptables-restore (legacy or
// nf_tables binaries, located and checked through coreos/go-iptables), and
// Detect, which chooses between this engine and the nftables one.
//
// # Where rules go and what is owned
//
// Each firewall.Chain lives in the iptables table and chain it names. The
// backend only adds, moves or deletes what its owner (WithOwner) owns:
//
//   - user-defined chains of the desired Ruleset are owned whole: rules in
//     them that are not desired are deleted. A user chain that an earlier
//     Apply of the same owner declared and the current one does not gets
//     flushed and deleted.
//   - in a built-in chain only rules are owned, never the chain: the copies
//     of each rule (by rule key) that this owner wrote there and that are
//     still there. A rule someone else wrote is never adopted, even when a
//     desired rule is equal to it: the owner writes its own copy (so a
//     non-terminating target such as LOG then acts twice). Equal copies
//     cannot be told apart in the kernel, so they are counted: with n
//     copies owned and m in the chain, min(n, m) are the owner's and the
//     others someone else's. Which ones: those that fit best between the
//     owner's other rules in its order (see claim); with no other owned
//     rule to go by, the first in chain order.
//     Deleting an owned rule deletes one copy and always leaves everyone
//     else's number of copies as it was; only where that guess is wrong
//     does the copy that stays sit where the owner's was.
//   - a built-in chain's policy is only changed when the desired Chain sets
//     Policy. When a later ruleset (or CleanUp) no longer sets it, the policy
//     the chain had before the owner first set it is restored.
//
// Nothing marks owned rules in the kernel: a comment would change the rule
// the caller declared, iptables-legacy keeps nothing else per rule, and
// counters change with traffic. What is owned is kept in an ownership
// record instead, one file per owner and network namespace in the state
// directory (WithStateDir, default /run/nftsync, a tmpfs emptied at boot
// like the tables): OWNER-iptables-netINODE.json, INODE being the network
// namespace's inode. It lists, per family, table and chain, the owned rules
// of built-in chains in iptables-save form (a version that computes other
// keys from them still finds them) and desired order, once per copy; the
// user chains owned, the policies changed (with the one from before) and the
// chains of the last ruleset applied. New reads it, so a new process of the
// same owner (the next `nftsync apply`, `list` or `cleanup`, a restarted
// controller) removes its rules that are no longer desired, and no one
// else's. It is written after every Apply or CleanUp that changed what is
// owned (into a temporary file renamed over the old one, so it is always
// whole), removed once nothing is owned, and read again before a call when
// another process of the same owner replaced it.
//
// # Crashes, concurrent writers, privileges
//
// Before the real iptables-restore runs, the record is written with the
// change as pending (journal.go): a process killed between the restore and
// the record leaves a change the next call of the owner resolves by
// reading the tables, so that nothing is doubled or left owned by no one.
// One writer per owner and namespace (lock.go): Apply and CleanUp take an
// flock on OWNER-iptables-netINODE.lock in the state directory and keep it
// until Close; another Backend's change fails with ErrLocked, or waits with
// WithWait. Plan and Read take no lock. Without a state directory there is
// neither record nor lock. Every call first checks CAP_NET_ADMIN
// (privileges.go) and fails with an error wrapping EPERM without it.
//
// A record that is missing, unreadable, invalid, of another format version,
// or written for another owner, namespace or boot (the namespace's cookie
// and the boot id are in it: a namespace can reuse a deleted one's inode)
// owns nothing: the reason is logged, and the next write replaces it. That
// is safe: owning nothing, the backend deletes no rule it did not write in
// this process and only leaves behind what the record listed (rules, user
// chains no longer declared, and policies it would have restored), as a
// backend without a record does. Refusing to work instead would stop a
// controller from keeping the firewall up until someone removed the file.
// A rule in the record that this version cannot parse is dropped from it
// (and left in the kernel) the same way. With WithStateDir("") ownership is
// kept in memory only.
//
// # Order
//
// Owned rules end up exactly in desired order, in every chain. In built-in
// chains they are placed relative to foreign rules as iptables -I and -A
// place them: the first Head rules of a chain (firewall.Chain.Head) are
// prepended, the rest appended. Owned rules that are already in desired
// relative order stay where they are (the longest such run is kept; the
// rest is deleted and re-inserted); a missing rule is inserted right after
// the desired rule before it in its part, and the first missing rule of a
// part right before the first owned rule of that part that stayed or, when
// none did, where iptables puts it: a prepended one at the top of the
// chain, an appended one at the end. So a fresh Apply leaves a built-in
// chain as `iptables -I CHAIN 1` for each prepended rule, from the last to
// the first, and `iptables -A CHAIN` for each appended one would leave it:
// prepended rules ahead of foreign ones, appended ones after them, as Kilo
// left them. Foreign rules inserted above, between or below owned ones
// later are tolerated, not fought over: only the relative order of owned
// rules is kept.
//
// # Comparison and cost
//
// What iptables-save prints is parsed with rule.Parse and compared by
// rule.Key, so spelling differences (-s X/32, protocol names, implicit
// -m tcp, comment quoting, option order) are not differences. Rules that do
// not parse are foreign in built-in chains and undesired in owned chains.
//
// Every Plan or Apply runs one `iptables-save -c -t TABLE` per family and
// table in use; when nothing differs, that is all (besides one
// `iptables --version` per family, run once in a Backend's life, on the
// first use of that family). Changes are made by one
// `iptables-restore --noflush` per family whose input holds -N, -P, -D NUM,
// -I NUM / -A, -F and -X lines, one section per table. Rule numbers come
// from the iptables-save just read: a change someone makes between that
// read and the restore (milliseconds) can make a numbered command hit a
// neighbouring rule; the next Apply repairs owned rules, as it repairs any
// drift.
//
// # All or nothing
//
// iptables-restore commits each table section on its own, so a refusal in
// a later section, or in the second family, would leave the earlier ones
// committed. Apply therefore makes first, unchecked, the section of the
// table whose saved text is the biggest (the costliest to copy; its refusal
// commits nothing), and runs every other section beforehand in a scratch
// network namespace (unshared on a locked, thrown-away OS thread): one
// `iptables-restore --noflush -c` per family holding such sections, fed the
// saved tables they touch and then the planned sections, the family with
// more rules to add first, stopping at the first refusal. The kernel's own
// checks (a target outside the table or hook it is valid in) happen there
// too. Only when every check passes are the changes made for real, so a
// refused change touches nothing, and a change to one table costs no check
// at all. iptables-legacy-restore blames COMMIT for a kernel refusal; the
// refused section is then re-run in a fresh scratch namespace one command
// per commit to find the rule.
//
// The scratch check cannot decide when the namespace cannot be made (no
// CAP_SYS_ADMIN: remembered, not retried), when the saved tables do not
// restore there (rules referring to ipsets or other per-namespace objects
// the copy lacks), or when the refused section uses such objects. Apply then
// logs why and makes the change anyway, guarded by a roll-back: when a real
// restore fails, every section it or an earlier family committed is put
// back from the text saved at the start of the Apply, with one
// `iptables-restore -c` (no --noflush: each section replaces its whole
// table atomically) per family. The same guard covers a check that passed
// but a real run that fails (someone changed the tables in between). The
// roll-back restores rules, policies and counters as they were read; what
// someone else changed in those tables, and the packets counted, between
// that read and the roll-back (tens of milliseconds) is lost, and other
// processes can see the partial state in between. With iptables-nft the
// rolled-back tables are rebuilt, so `nft list ruleset` may show their
// chains in another order. A roll-back that fails too is reported with the
// refusal, and the backend then owns both the old and the new state.
//
// Process counts, for T tables in use, F families with changes (F <= 2) and
// C families holding a changed table other than the one made first
// (C <= F, and C = 0 when one table changes), leaving out the one-time
// `iptables --version` per family:
//
//   - no-op Apply or Plan: T iptables-save.
//   - Apply with changes: T iptables-save + C scratch checks + F restores.
//   - refused Apply: T iptables-save + at most C scratch checks + at most
//     one real restore (the refused first section), +1 scratch run to find
//     the rule under iptables-legacy; no roll-back.
//   - without a conclusive check: T iptables-save + at most C scratch
//     checks (none when namespaces cannot be made) + F restores, and on a
//     refusal at most F roll-back restores, +1 scratch run to find the
//     rule under iptables-legacy when namespaces can be made.
//   - the first call after a process was killed during a change: besides,
//     one iptables-save per table that change touched (resolving it).
//
// An Apply with changes writes the ownership record twice (before the
// restores, with the change pending, and after), each time synced.
//
// When iptables-restore refuses its input, the line it blames is mapped
// back to the rule (a *firewall.RuleError carrying the rule's Label).
package compat
