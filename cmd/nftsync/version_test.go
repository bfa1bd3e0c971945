package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// TestVersion: --version and `version` print the ldflags stamp when there
// is one, else what the build info says ("devel" in a test binary), and
// the Go version.
func TestVersion(t *testing.T) {
	runIt := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("nftsync %v: exit %d, %s", args, code, errb.String())
		}
		return out.String()
	}
	if got := runIt("--version"); !strings.HasPrefix(got, "nftsync devel") || strings.Count(got, "\n") != 1 {
		t.Errorf("--version without a stamp: %q", got)
	}
	old := version
	version = "v1.2.3"
	defer func() { version = old }()
	if got := runIt("--version"); got != "nftsync v1.2.3\n" && !strings.HasPrefix(got, "nftsync v1.2.3 (") {
		t.Errorf("--version with a stamp: %q", got)
	}
	got := runIt("version")
	if !strings.HasPrefix(got, "nftsync v1.2.3\n") || !strings.Contains(got, runtime.Version()) {
		t.Errorf("version: %q", got)
	}
}

func TestBuildInfoShort(t *testing.T) {
	for _, tc := range []struct {
		bi   buildInfo
		want string
	}{
		{buildInfo{Version: "v1.0.0"}, "v1.0.0"},
		{buildInfo{Version: "devel", Revision: "0123456789abcdef0123"}, "devel (0123456789ab)"},
		{buildInfo{Version: "v1.0.1-rc", Revision: "abc", Modified: true}, "v1.0.1-rc (abc, modified)"},
	} {
		if got := tc.bi.short(); got != tc.want {
			t.Errorf("%+v.short() = %q, want %q", tc.bi, got, tc.want)
		}
	}
}
