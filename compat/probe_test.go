package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNATSupport checks the facts natSupport reads, in a fake root: a
// module list that provably lacks nft_chain_nat is an error, a loaded,
// built-in or installed module is not, and no facts at all prove nothing.
func TestNATSupport(t *testing.T) {
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	release := unix.ByteSliceToString(uts.Release[:])
	modDir := filepath.Join("lib/modules", release)
	tests := []struct {
		name    string
		files   map[string]string
		wantErr bool
	}{
		{name: "nothing readable", files: nil},
		{name: "loaded", files: map[string]string{"proc/modules": "nf_tables 1 0 - Live 0x0\nnft_chain_nat 16384 1 - Live 0x0\n"}},
		{name: "sysfs, old kernel", files: map[string]string{"sys/module/nft_chain_nat_ipv4/refcnt": "1"}},
		{name: "built in", files: map[string]string{modDir + "/modules.builtin": "kernel/net/netfilter/nf_tables.ko\nkernel/net/netfilter/nft_chain_nat.ko\n"}},
		{name: "installed", files: map[string]string{
			"proc/modules":              "nf_tables 1 0 - Live 0x0\n",
			modDir + "/modules.builtin": "kernel/net/netfilter/nf_tables.ko\n",
			modDir + "/modules.dep":     "kernel/net/netfilter/nft_chain_nat.ko.xz: kernel/net/netfilter/nf_nat.ko.xz\n",
		}},
		{name: "absent", wantErr: true, files: map[string]string{
			"proc/modules":              "nf_tables 1 0 - Live 0x0\n",
			modDir + "/modules.builtin": "kernel/net/netfilter/nf_tables.ko\n",
			modDir + "/modules.dep":     "kernel/net/netfilter/nft_ct.ko.xz: kernel/net/netfilter/nf_tables.ko.xz\n",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, data := range tc.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := natSupport(root)
			if (err != nil) != tc.wantErr {
				t.Fatalf("natSupport = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "nft_chain_nat") {
				t.Errorf("error %q does not name the module", err)
			}
		})
	}
}
