package compat

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nftsync/nftsync/rule"
)

// An Apply changes one iptables-restore --noflush per family, one section
// per table, and each section commits on its own. To keep a refused change
// from leaving the sections before it committed, commit first runs every
// family's input in a scratch network namespace holding a copy of the
// tables it touches (validate), and only then for real. Should the real run
// still fail (a change made in between, or no scratch check possible),
// the sections it committed are put back from the saved text (rollback).

// unchecked is a scratch check that could not decide: the change goes
// ahead, guarded by the roll-back alone.
type unchecked struct{ reason error }

func (e *unchecked) Error() string { return e.reason.Error() }
func (e *unchecked) Unwrap() error { return e.reason }

// families returns the families with something to restore, the riskier
// (more rules for the kernel to check) first, so that the likely refusal is
// met before the other family costs anything.
func (fp *fullPlan) families() []rule.Family {
	var out []rule.Family
	for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
		if in := fp.inputs[fam]; in != nil && !in.empty() {
			out = append(out, fam)
		}
	}
	slices.SortStableFunc(out, func(a, b rule.Family) int {
		return cmp.Compare(risk(fp.inputs[b].lines), risk(fp.inputs[a].lines))
	})
	return out
}

// current returns iptables-restore input that recreates the named tables of
// a family as they were saved (tables that did not exist are left out), and
// its number of lines.
func (fp *fullPlan) current(fam rule.Family, tables []string) ([]byte, int) {
	var buf bytes.Buffer
	for _, t := range tables {
		if st := fp.saved[tableID{fam, t}]; st != nil {
			buf.Write(st.section)
		}
	}
	return buf.Bytes(), bytes.Count(buf.Bytes(), []byte("\n"))
}

// commit carries out the plan's restores so that a refusal changes
// nothing. dirty reports a refusal whose roll-back failed too: the tables
// may then hold part of the change.
func (b *Backend) commit(ctx context.Context, fp *fullPlan) (dirty bool, err error) {
	fams := fp.families()
	if len(fams) == 0 {
		return false, nil
	}
	if err := b.validate(ctx, fp, fams); err != nil {
		var u *unchecked
		if !errors.As(err, &u) {
			return false, err
		}
		b.cfg.log.Warn("iptables change not checked in a scratch network namespace; applying it with a roll-back on refusal",
			"reason", u.reason)
	}
	var done []rule.Family
	for _, fam := range fams {
		in := fp.inputs[fam]
		raw := b.restore(ctx, fam, "batch", in.bytes(), "--noflush")
		if raw == nil {
			done = append(done, fam)
			continue
		}
		err := fmt.Errorf("applying %s rules: %w", fam, in.blame(raw))
		undo := map[rule.Family][]string{fam: in.committed(failedLine(raw))}
		for _, d := range done {
			undo[d] = fp.inputs[d].tables()
		}
		if rerr := b.rollback(ctx, fp, undo); rerr != nil {
			return true, errors.Join(err, rerr)
		}
		return false, err
	}
	return false, nil
}

// checkJob is one family's scratch check: the saved tables the input
// touches, then the input.
type checkJob struct {
	fam    rule.Family
	in     *restoreInput
	path   string
	args   []string
	stdin  []byte
	prefix int // lines of stdin that recreate the saved tables
}

// validate runs each family's input in one scratch namespace, after a copy
// of the tables it touches: one iptables-restore per family, stopping at
// the first refusal. It returns nil when all pass, the refusal (naming the
// rule) when the kernel or iptables refused a planned line, and an
// *unchecked when it cannot tell.
func (b *Backend) validate(ctx context.Context, fp *fullPlan, fams []rule.Family) error {
	if b.noScratch != nil {
		return &unchecked{b.noScratch}
	}
	jobs := make([]checkJob, 0, len(fams))
	for _, fam := range fams {
		j, err := b.checkJob(fp, fam, fp.inputs[fam])
		if err != nil {
			return err
		}
		jobs = append(jobs, j)
	}
	var failed *checkJob
	var ferr error
	err := b.run.scratch(func() error {
		for i := range jobs {
			if ferr = b.check(ctx, jobs[i]); ferr != nil {
				failed = &jobs[i]
				return nil
			}
		}
		return nil
	})
	var se *scratchError
	if errors.As(err, &se) {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL) {
			b.noScratch = err // lasting: no CAP_SYS_ADMIN, or no namespaces
		}
		return &unchecked{err}
	}
	if err != nil || failed == nil {
		return err
	}
	return b.judge(ctx, fp, *failed, ferr)
}

// checkJob prepares the scratch check of one family's input.
func (b *Backend) checkJob(fp *fullPlan, fam rule.Family, in *restoreInput) (checkJob, error) {
	path, args, err := b.restoreCmd(fam, "--noflush", "-c")
	if err != nil {
		return checkJob{}, err
	}
	prefix, n := fp.current(fam, in.tables())
	return checkJob{fam: fam, in: in, path: path, args: args, stdin: append(prefix, in.bytes()...), prefix: n}, nil
}

// check runs one job on the scratch thread.
func (b *Backend) check(ctx context.Context, j checkJob) error {
	if b.cfg.obs != nil {
		b.cfg.obs.Observe("check", 1)
	}
	_, err := b.run.start(ctx, j.stdin, scratchNS, j.path, j.args...)
	return err
}

// judge tells what a failed scratch check means: a refusal of a planned
// line, or nothing conclusive.
func (b *Backend) judge(ctx context.Context, fp *fullPlan, j checkJob, err error) error {
	n := failedLine(err)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("checking %s rules: %w", j.fam, ctx.Err())
	case n == 0:
		return &unchecked{fmt.Errorf("the %s check failed without naming a line: %w", j.fam, err)}
	case n <= j.prefix:
		return &unchecked{fmt.Errorf("the current %s tables do not restore there: %w", j.fam, err)}
	}
	n -= j.prefix
	from, to := j.in.section(n)
	if j.in.nsDependent(from, to) {
		return &unchecked{fmt.Errorf("the refused %s table refers to ipsets or other objects a scratch namespace lacks: %w", j.fam, err)}
	}
	refused := j.in.blameLine(err, n)
	if n <= len(j.in.lines) && j.in.lines[n-1].text == "COMMIT" && to-from > 3 {
		// iptables-legacy-restore blames the commit: find the command by
		// committing one command at a time, in a fresh scratch namespace.
		if e := b.pinpoint(ctx, fp, j, from, to); e != nil {
			refused = e
		}
	}
	return fmt.Errorf("applying %s rules (refused in a scratch network namespace; nothing was changed): %w", j.fam, refused)
}

// pinpoint re-runs the refused section lines[from:to] of a job one command
// per commit, after a copy of its table, and returns the refusal naming
// the command, or nil when that does not tell.
func (b *Backend) pinpoint(ctx context.Context, fp *fullPlan, j checkJob, from, to int) error {
	sub := (&restoreInput{lines: j.in.lines[from:to]}).split()
	one, err := b.checkJob(fp, j.fam, sub)
	if err != nil {
		return nil
	}
	var ferr error
	if err := b.run.scratch(func() error { ferr = b.check(ctx, one); return nil }); err != nil || ferr == nil {
		return nil
	}
	n := failedLine(ferr) - one.prefix
	if n < 1 {
		return nil
	}
	return sub.blameLine(ferr, n)
}

// rollback puts the tables in undo back as they were saved: one
// iptables-restore -c per family, without --noflush, so each section
// replaces its whole table atomically.
func (b *Backend) rollback(ctx context.Context, fp *fullPlan, undo map[rule.Family][]string) error {
	var errs []error
	for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
		tables := undo[fam]
		if len(tables) == 0 {
			continue
		}
		var buf bytes.Buffer
		for _, t := range tables {
			if st := fp.saved[tableID{fam, t}]; st != nil && st.section != nil {
				buf.Write(st.section)
			} else {
				fmt.Fprintf(&buf, "*%s\nCOMMIT\n", t) // did not exist: empty it
			}
		}
		if err := b.restore(ctx, fam, "rollback", buf.Bytes(), "-c"); err != nil {
			errs = append(errs, fmt.Errorf("rolling back %s tables %s: %w", fam, strings.Join(tables, ", "), err))
			continue
		}
		b.cfg.log.Warn("rolled back the tables a refused iptables change had committed",
			"family", fam.String(), "tables", tables)
	}
	return errors.Join(errs...)
}
