package compat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/nftables"
	"github.com/vishvananda/netns"
)

// sysProber is the Prober that looks at the real kernel and binaries, in
// the runner's namespace.
type sysProber struct {
	run    *runner
	binDir string
}

func (p *sysProber) bin(name string) string {
	if p.binDir != "" {
		return filepath.Join(p.binDir, name)
	}
	return name
}

// ProbeNFTables adds a table with a NAT base chain and deletes it again.
func (p *sysProber) ProbeNFTables(ctx context.Context) error {
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
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	t := conn.AddTable(&nftables.Table{Name: "nftsync-probe-" + hex.EncodeToString(b), Family: nftables.TableFamilyIPv4})
	conn.AddChain(&nftables.Chain{
		Name: "probe", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource,
	})
	if err := conn.Flush(); err != nil {
		return fmt.Errorf("creating a table with a NAT base chain: %w", err)
	}
	conn.DelTable(t)
	if err := conn.Flush(); err != nil {
		return fmt.Errorf("deleting probe table %s: %w", t.Name, err)
	}
	return ctx.Err()
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
