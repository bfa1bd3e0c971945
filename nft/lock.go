package nft

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/nftsync/nftsync/internal/ownerlock"
)

// ErrOwnerBusy says another writer (another process, or another Backend
// in this one) holds the owner's tables in this network namespace: two
// writers of one owner would undo each other's changes on every round.
var ErrOwnerBusy = ownerlock.ErrHeld

// lockName is the name of the lock of an owner's nftables tables; it is
// per network namespace (see ownerlock). An abstract socket name holds
// 107 bytes: a long owner is hashed.
func lockName(owner string) string {
	if len(owner) > 64 {
		sum := sha256.Sum256([]byte(owner))
		owner = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return "nftsync/nftables/" + owner
}

// takeLock takes the owner's lock before the first write and keeps it
// until Close: a write by a Backend that does not hold it fails with
// ErrOwnerBusy, or waits for it with WithLockWait. Reading and planning
// take no lock.
func (b *Backend) takeLock(ctx context.Context) error {
	if b.lock != nil {
		return nil
	}
	l, err := ownerlock.Acquire(ctx, b.nsfd, lockName(b.owner), b.lockWait)
	if err != nil {
		return fmt.Errorf("owner %q in this network namespace is %w; one writer per owner (WithLockWait, or nftsync's --wait, waits for it)", b.owner, err)
	}
	b.lock = l
	return nil
}
