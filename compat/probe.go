package compat

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/nftables"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// sysProber is the Prober that looks at the real kernel and binaries, in
// the runner's namespace.
type sysProber struct {
	run    *runner
	binDir string
	root   string // prefix of /proc, /sys and /lib/modules; "" in production
}

func (p *sysProber) bin(name string) string {
	if p.binDir != "" {
		return filepath.Join(p.binDir, name)
	}
	return name
}

// CheckNFTables asks nf_tables for the ruleset generation over netlink (one
// round trip that changes nothing), then checks that the kernel can make
// NAT base chains (natSupport). An earlier version created and deleted a
// probe table instead: two commits, each one making every process that
// watches the generation re-read the ruleset.
func (p *sysProber) CheckNFTables(ctx context.Context) error {
	var opts []nftables.ConnOption
	if ns := p.run.netns; ns != "" {
		h, err := netns.GetFromPath(nsPath(ns))
		if err != nil {
			return fmt.Errorf("opening network namespace %s: %w", ns, err)
		}
		defer h.Close()
		opts = append(opts, nftables.WithNetNSFd(int(h)))
	}
	conn, err := nftables.New(opts...)
	if err != nil {
		return fmt.Errorf("connecting to nf_tables: %w", err)
	}
	if _, err := conn.GetGen(); err != nil {
		return fmt.Errorf("reading the nf_tables generation: %w", err)
	}
	if err := natSupport(p.root); err != nil {
		return err
	}
	return ctx.Err()
}

// natSupport fails when the kernel provably cannot make NAT base chains:
// the module that provides them (nft_chain_nat; nft_chain_nat_ipv4 before
// Linux 5.1) is neither loaded nor built in nor installed, per /proc/modules,
// /sys/module and /lib/modules/RELEASE/modules.{builtin,dep} under root.
// Where none of these can be read (a container without /lib/modules, a
// kernel without modules) nothing is proven and it returns nil: the kernel
// loads the module on demand when nftsync creates its first NAT chain, and
// a refusal then is an error of that apply.
func natSupport(root string) error {
	const mod = "nft_chain_nat"
	if data, err := os.ReadFile(filepath.Join(root, "/proc/modules")); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, mod) {
				return nil
			}
		}
	}
	for _, m := range []string{mod, mod + "_ipv4"} {
		if _, err := os.Stat(filepath.Join(root, "/sys/module", m)); err == nil {
			return nil
		}
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return nil
	}
	dir := filepath.Join(root, "/lib/modules", unix.ByteSliceToString(uts.Release[:]))
	known := false
	for _, f := range []string{"modules.builtin", "modules.dep"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			continue
		}
		known = true
		if strings.Contains(string(data), "/"+mod) {
			return nil
		}
	}
	if known {
		return fmt.Errorf("no NAT chains: %s is neither loaded, built in nor installed (%s)", mod, dir)
	}
	return nil
}

// IptablesVersion runs `iptables --version`.
func (p *sysProber) IptablesVersion(ctx context.Context) (string, error) {
	out, err := p.run.run(ctx, nil, p.bin("iptables"), "--version")
	return string(out), err
}

// LegacyTables reads /proc/thread-self/net/ip{,6}_tables_names from a thread
// inside the namespace (/proc/self/net would show the main thread's
// namespace). A missing file means the x_tables modules are not loaded.
func (p *sysProber) LegacyTables(ctx context.Context) ([]string, error) {
	var names []string
	err := p.run.do(func() error {
		for _, f := range []string{"ip_tables_names", "ip6_tables_names"} {
			data, err := os.ReadFile("/proc/thread-self/net/" + f)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			names = append(names, strings.Fields(string(data))...)
		}
		return nil
	})
	return names, err
}

// Save runs iptables-MODE-save and ip6tables-MODE-save; it fails only when
// both fail.
func (p *sysProber) Save(ctx context.Context, mode string) (string, error) {
	var out strings.Builder
	var errs []error
	for _, base := range []string{"iptables", "ip6tables"} {
		b, err := p.run.run(ctx, nil, p.bin(base+"-"+mode+"-save"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.Write(b)
	}
	if len(errs) == 2 {
		return "", errors.Join(errs...)
	}
	return out.String(), nil
}
