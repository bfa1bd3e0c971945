package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/nftsync/nftsync/compat"
	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/iptsave"
	"github.com/nftsync/nftsync/rule"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// addFirewallCommands registers the commands that read or change the
// firewall (apply, diff, list, watch, cleanup) on the root command.
func addFirewallCommands(root *cobra.Command) {
	root.AddCommand(newApplyCmd(), newDiffCmd(), newListCmd(), newWatchCmd(), newCleanupCmd())
}

// exitCodeError ends the process with a code other than 1 without printing
// anything more (diff exits 2 when there are changes).
type exitCodeError int

func (e exitCodeError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// ExitCode is the process exit code main uses.
func (e exitCodeError) ExitCode() int { return int(e) }

// targetFlags say which owned state a command works on: whose tables, in
// which network namespace, through which backend.
type targetFlags struct {
	owner    string
	netns    string
	backend  string
	stateDir string
	wait     bool
	// placement lists the iptables tables kept in iptables' own tables;
	// "none" alone turns automatic placement off too.
	placement []string
	// autoPlacement is --auto-placement.
	autoPlacement bool
	// segments is --segments.
	segments int
}

func (t *targetFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&t.owner, "owner", controller.DefaultOwner,
		"owner name: the rules live in nftables tables named OWNER-TABLE (e.g. "+controller.DefaultOwner+"-nat); nothing else is touched")
	fs.StringVar(&t.netns, "netns", "",
		"work in the network namespace /run/netns/NAME (or at a path starting with /) instead of the current one")
	fs.StringVar(&t.backend, "backend", controller.BackendAuto,
		"engine: auto (nftables unless the host is managed by iptables-legacy; the reason is logged at --log-level debug), nftables (netlink) or iptables (iptables binaries, rules in iptables' own tables)")
	fs.StringVar(&t.stateDir, "state-dir", compat.DefaultStateDir,
		"where the iptables backend records what the owner has in iptables' own chains (one file per owner and network namespace), so that later runs remove only the owner's rules")
	// One writer per owner and namespace: the flag of every command, so
	// that both engines share it.
	fs.BoolVar(&t.wait, "wait", false,
		"when another nftsync process is changing the same owner's rules in the same network namespace, wait for it to finish instead of failing")
	fs.StringSliceVar(&t.placement, "placement", nil,
		"iptables tables (e.g. filter, or filter,nat) whose chains the nftables backend keeps inside iptables-nft's own tables, encoded as iptables-nft writes them, so that an ACCEPT there is final where iptables' FORWARD drops; give the same value to every command of the owner, cleanup included. Other tables are placed automatically while a rule needs it (see --auto-placement); none: place nothing, not even automatically")
	fs.IntVar(&t.segments, "segments", controller.DefaultSegmentLen,
		"keep each chain longer than about twice N rules as kernel chains of about N rules, linked so that iptables' RETURN, policies and jumps keep their meaning, so that a one-rule change rewrites one segment instead of the whole chain (nftables backend; 0: chains stay whole; give the same value to every command of the owner)")
	fs.BoolVar(&t.autoPlacement, "auto-placement", true,
		"nftables backend: keep the chains of an iptables table (per family) in iptables-nft's own table while one of its rules uses an extension the kernel loads only in a table of that name (-j TTL, HL, TOS, ECN, TCPOPTSTRIP, CHECKSUM, TPROXY in mangle; NETMAP in nat; CT with options in raw ...), and move them back once none does; false refuses such rules")
}

// placementOptions returns the controller options of --placement and
// --auto-placement.
func (t *targetFlags) placementOptions() ([]controller.Option, error) {
	tables := t.placement
	auto := t.autoPlacement
	if slices.Contains(tables, "none") {
		if len(tables) > 1 {
			return nil, fmt.Errorf("--placement none cannot be combined with tables (%s)", strings.Join(tables, ","))
		}
		tables, auto = nil, false
	}
	opts := []controller.Option{controller.WithAutoPlacement(auto)}
	if len(tables) > 0 {
		opts = append(opts, controller.WithPlacement(tables...))
	}
	return opts, nil
}

// netnsPath returns the namespace path for --netns ("" for the current one).
func (t *targetFlags) netnsPath() (string, error) {
	switch {
	case t.netns == "":
		return "", nil
	case strings.HasPrefix(t.netns, "/"):
		return t.netns, nil
	case t.netns == "." || t.netns == ".." || strings.Contains(t.netns, "/"):
		return "", fmt.Errorf("--netns %q: give a namespace name (from `ip netns list`) or an absolute path", t.netns)
	}
	return "/run/netns/" + t.netns, nil
}

// commonFlags are the flags of every firewall command: the target and the
// logger.
type commonFlags struct {
	target targetFlags
	logs   logFlags
}

func (f *commonFlags) register(fs *pflag.FlagSet) {
	f.target.register(fs)
	f.logs.register(fs)
}

// open builds the logger (on the command's stderr) and the controller.
// doing names what needs CAP_NET_ADMIN if the kernel refuses
// ("changing the firewall"). reg may be nil.
func (f *commonFlags) open(cmd *cobra.Command, doing string, reg prometheus.Registerer, extra ...controller.Option) (*controller.Controller, *slog.Logger, error) {
	logger, err := f.logs.logger(cmd.ErrOrStderr())
	if err != nil {
		return nil, nil, err
	}
	c, err := f.target.open(logger, reg, extra...)
	if err != nil {
		return nil, nil, explain(err, doing)
	}
	return c, logger, nil
}

// open creates the controller the flags describe. reg may be nil.
func (t *targetFlags) open(logger *slog.Logger, reg prometheus.Registerer, extra ...controller.Option) (*controller.Controller, error) {
	if t.owner == "" {
		return nil, errors.New("--owner must not be empty")
	}
	opts := []controller.Option{
		controller.WithOwner(t.owner),
		controller.WithBackend(t.backend),
		controller.WithLogger(logger),
		controller.WithStateDir(t.stateDir),
		controller.WithWait(t.wait),
	}
	path, err := t.netnsPath()
	if err != nil {
		return nil, err
	}
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("network namespace %q: %w", t.netns, err)
		}
		opts = append(opts, controller.WithNetNS(path))
	}
	if reg != nil {
		opts = append(opts, controller.WithRegisterer(reg))
	}
	popts, err := t.placementOptions()
	if err != nil {
		return nil, err
	}
	opts = append(opts, popts...)
	if t.segments < 0 {
		return nil, fmt.Errorf("--segments %d: want 0 (chains whole) or a segment size", t.segments)
	}
	opts = append(opts, controller.WithSegments(t.segments))
	c, err := controller.New(append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("starting the %s backend: %w", t.backend, err)
	}
	return c, nil
}

// inputFlags are the rule files of apply, diff and watch.
type inputFlags struct {
	v4, v6 string
}

// register adds -4 and -6; stdin says whether "-" (stdin) is allowed.
func (in *inputFlags) register(fs *pflag.FlagSet, stdin bool) {
	dash := ""
	if stdin {
		dash = " (- reads stdin)"
	}
	fs.StringVarP(&in.v4, "ipv4", "4", "", "IPv4 rules in iptables-save format"+dash)
	fs.StringVarP(&in.v6, "ipv6", "6", "", "IPv6 rules in ip6tables-save format"+dash)
}

// load parses the rule files into one desired state. Parse errors name the
// file and line. A family without a file has no rules.
func (in *inputFlags) load(stdin io.Reader) (*firewall.Ruleset, error) {
	if in.v4 == "" && in.v6 == "" {
		return nil, errors.New("no rules given: use -4 FILE and/or -6 FILE (to remove everything, use `nftsync cleanup`)")
	}
	if in.v4 == "-" && in.v6 == "-" {
		return nil, errors.New("only one of -4 and -6 can read stdin")
	}
	rs := &firewall.Ruleset{}
	for _, f := range []struct {
		path string
		fam  rule.Family
	}{{in.v4, rule.IPv4}, {in.v6, rule.IPv6}} {
		if f.path == "" {
			continue
		}
		part, err := parseFile(f.path, f.fam, stdin)
		if err != nil {
			return nil, err
		}
		rs.Chains = append(rs.Chains, part.Chains...)
	}
	// Each file was validated by iptsave.Parse (errors with FILE:LINE), and
	// the two families cannot conflict; SetRuleset validates once more.
	return rs, nil
}

func parseFile(path string, fam rule.Family, stdin io.Reader) (*firewall.Ruleset, error) {
	if path == "-" {
		return iptsave.Parse(stdin, "stdin", fam)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading rules: %w", err)
	}
	defer f.Close()
	return iptsave.Parse(f, path, fam)
}

// logFlags configure the slog logger on stderr.
type logFlags struct {
	format string
	level  string
}

func (l *logFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&l.format, "log-format", "text", "log format on stderr: text or json")
	fs.StringVar(&l.level, "log-level", "info", "log level: debug, info, warn or error")
}

func (l *logFlags) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(l.level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", l.level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch l.format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", l.format)
}

// outputFlag is --output of diff and list.
type outputFlag struct{ format string }

func (o *outputFlag) register(fs *pflag.FlagSet) {
	fs.StringVarP(&o.format, "output", "o", "text", "output format: text (iptables-save style) or json")
}

func (o *outputFlag) check() error {
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("--output %q: want text or json", o.format)
	}
	return nil
}

// permissionError is what a command returns when the kernel refused it for
// lack of privileges: one sentence that says what to do. main prints it
// after "nftsync: ".
type permissionError struct {
	doing string
	err   error
}

func (e *permissionError) Error() string {
	reason := "operation not permitted"
	var errno syscall.Errno
	if errors.As(e.err, &errno) {
		reason = errno.Error()
	}
	return fmt.Sprintf("%s: %s needs CAP_NET_ADMIN (run as root)", reason, e.doing)
}

func (e *permissionError) Unwrap() error { return e.err }

// explain turns a permission failure into a permissionError; other errors
// are returned unchanged. doing is what needs the capability, e.g.
// "changing the firewall".
func explain(err error, doing string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrPermission) {
		return &permissionError{doing: doing, err: err}
	}
	return err
}
