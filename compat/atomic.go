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
// per table, and each section commits on its own. The first section of the
// first run commits nothing else when it is refused; every later one could
// leave earlier ones committed. So commit first runs those later sections
// in a scratch network namespace holding a copy of the tables they touch
// (validate), and only then makes the change for real, the unchecked
// section first. Should a real run still fail after committing something
// (a change made in between, or no scratch check possible), what it
// committed is put back from the saved text (rollback).

// unchecked is a scratch check that could not decide: the change goes
// ahead, guarded by the roll-back alone.
type unchecked struct{ reason error }

func (e *unchecked) Error() string { return e.reason.Error() }
func (e *unchecked) Unwrap() error { return e.reason }

// famInput is restore input for one family.
type famInput struct {
	fam rule.Family
	in  *restoreInput
}

// families returns the families with something to restore, the riskier
// (more rules for the kernel to check) first.
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

// schedule returns the real runs in order and the scratch checks they need.
// The lead section, run first, needs no check: it is the one whose table is
// the costliest to copy (the most saved text), the riskier of equals. The
// checks hold every other section, the riskier family first, so that a
// refusal is likely met before the other family costs anything.
func (fp *fullPlan) schedule() (runs, checks []famInput) {
	fams := fp.families()
	if len(fams) == 0 {
		return nil, nil
	}
	leadFam, lead, best := fams[0], 0, [2]int{-1, -1}
	for _, fam := range fams {
		for i, part := range fp.inputs[fam].parts() {
			score := [2]int{0, risk(part.lines)}
			if st := fp.saved[tableID{fam, part.tables()[0]}]; st != nil {
				score[0] = len(st.section)
			}
			if score[0] > best[0] || score[0] == best[0] && score[1] > best[1] {
				leadFam, lead, best = fam, i, score
			}
		}
	}
	for _, fam := range fams {
		parts := fp.inputs[fam].parts()
		if fam != leadFam {
			checks = append(checks, famInput{fam, fp.inputs[fam]})
			runs = append(runs, famInput{fam, fp.inputs[fam]})
			continue
		}
		rest := join(append(parts[:lead:lead], parts[lead+1:]...))
		if !rest.empty() {
			checks = append(checks, famInput{fam, rest})
		}
		runs = append([]famInput{{fam, join(append([]*restoreInput{parts[lead]}, rest))}}, runs...)
	}
	slices.SortStableFunc(checks, func(a, b famInput) int { return cmp.Compare(risk(b.in.lines), risk(a.in.lines)) })
	return runs, checks
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
	runs, checks := fp.schedule()
	if err := b.validate(ctx, fp, checks); err != nil {
		var u *unchecked
		if !errors.As(err, &u) {
			return false, err
		}
		b.cfg.log.Warn("iptables change not checked in a scratch network namespace; applying it with a roll-back on refusal",
			"reason", u.reason)
	}
	var done []famInput
	for _, r := range runs {
		raw := b.restore(ctx, r.fam, "batch", r.in.bytes(), "--noflush")
		if raw == nil {
			done = append(done, r)
			continue
		}
		n := failedLine(raw)
		undo := map[rule.Family][]string{r.fam: r.in.committed(n)}
		for _, d := range done {
			undo[d.fam] = d.in.tables()
		}
		rerr := b.rollback(ctx, fp, undo) // first: keep the partial state short
		err := fmt.Errorf("applying %s rules: %w", r.fam, b.blame(ctx, fp, r, raw, n))
		if rerr != nil {
			return true, errors.Join(err, rerr)
		}
		return false, err
	}
	return false, nil
}

// blame names the rule of line n of a refused input. Where
// iptables-legacy-restore blames the COMMIT of several commands, the
// section is re-run in a scratch namespace to find the command.
func (b *Backend) blame(ctx context.Context, fp *fullPlan, r famInput, err error, n int) error {
	from, to := r.in.section(n)
	if n >= 1 && n <= len(r.in.lines) && r.in.lines[n-1].text == "COMMIT" && to-from > 3 &&
		b.noScratch == nil && !r.in.nsDependent(from, to) {
		if e := b.pinpoint(ctx, fp, r.fam, &restoreInput{lines: r.in.lines[from:to]}); e != nil {
			return e
		}
	}
	return r.in.blameLine(err, n)
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

// validate runs each check in one scratch namespace, after a copy of the
// tables it touches: one iptables-restore per check, stopping at the first
// refusal. It returns nil when all pass, the refusal (naming the rule) when
// the kernel or iptables refused a planned line, and an *unchecked when it
// cannot tell.
func (b *Backend) validate(ctx context.Context, fp *fullPlan, checks []famInput) error {
	if len(checks) == 0 {
		return nil
	}
	if b.noScratch != nil {
		return &unchecked{b.noScratch}
	}
	jobs := make([]checkJob, 0, len(checks))
	for _, c := range checks {
		j, err := b.checkJob(fp, c.fam, c.in)
		if err != nil {
			return err
		}
		jobs = append(jobs, j)
	}
	var failed *checkJob
	var ferr error
	err := b.run.scratch(func() {
		for i := range jobs {
			if ferr = b.runCheck(ctx, jobs[i]); ferr != nil {
				failed = &jobs[i]
				return
			}
		}
	})
	if err != nil {
		return b.noNamespace(err)
	}
	if failed == nil {
		return nil
	}
	return b.judge(ctx, fp, *failed, ferr)
}

// noNamespace turns a scratch namespace that could not be made into an
// *unchecked, and remembers lasting causes.
func (b *Backend) noNamespace(err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL) {
		b.noScratch = err // lasting: no CAP_SYS_ADMIN, or no namespaces
	}
	return &unchecked{err}
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

// runCheck runs one job on the scratch thread.
func (b *Backend) runCheck(ctx context.Context, j checkJob) error {
	observe(b.cfg.obs, "check", 1)
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
	refused := b.blame(ctx, fp, famInput{j.fam, j.in}, err, n)
	return fmt.Errorf("applying %s rules (refused in a scratch network namespace; nothing was changed): %w", j.fam, refused)
}

// pinpoint re-runs a refused section one command per commit, in a fresh
// scratch namespace after a copy of its table, and returns the refusal
// naming the command, or nil when that does not tell.
func (b *Backend) pinpoint(ctx context.Context, fp *fullPlan, fam rule.Family, section *restoreInput) error {
	sub := section.split()
	one, err := b.checkJob(fp, fam, sub)
	if err != nil {
		return nil
	}
	var ferr error
	if err := b.run.scratch(func() { ferr = b.runCheck(ctx, one) }); err != nil {
		_ = b.noNamespace(err)
		return nil
	}
	if n := failedLine(ferr) - one.prefix; ferr != nil && n >= 1 {
		return sub.blameLine(ferr, n)
	}
	return nil
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
