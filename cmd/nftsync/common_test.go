package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// binDir holds the nftsync binary the CLI tests run; it is built on first
// use (so unit tests alone build nothing) and removed after the tests.
var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binError error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nftsync-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// nftsyncBin returns the path of the freshly built binary.
func nftsyncBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(binDir, "nftsync")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binError = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binError != nil {
		t.Fatal(binError)
	}
	return binPath
}

// result is what one run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// runBin runs the binary with args (prefix holds a wrapper like setpriv) and
// stdin, and returns its output and exit code.
func runBin(t *testing.T, stdin string, prefix []string, args ...string) result {
	t.Helper()
	argv := append(append(append([]string(nil), prefix...), nftsyncBin(t)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	res := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %v: %v", argv, err)
	}
	return res
}

// nftsync runs the binary in the namespace and owner of a test.
func nftsync(t *testing.T, ns *netnstest.NS, stdin string, args ...string) result {
	t.Helper()
	return runBin(t, stdin, nil, append(args, "--netns", ns.Name, "--owner", "test")...)
}

// mustRun fails the test unless the run exits with want.
func mustRun(t *testing.T, want int, ns *netnstest.NS, stdin string, args ...string) result {
	t.Helper()
	r := nftsync(t, ns, stdin, args...)
	if r.code != want {
		t.Fatalf("nftsync %s: want exit %d, got %s", strings.Join(args, " "), want, r)
	}
	return r
}

// writeFile writes content to a new file in the test's temp dir.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readFile returns a file's content.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// eventually polls cond every 50ms for up to 20s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestNetnsPath(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", "", false},
		{"blue", "/run/netns/blue", false},
		{"/var/run/netns/red", "/var/run/netns/red", false},
		{"/proc/1/ns/net", "/proc/1/ns/net", false},
		{"a/b", "", true},
		{"..", "", true},
		{".", "", true},
	}
	for _, tt := range tests {
		got, err := (&targetFlags{netns: tt.in}).netnsPath()
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("netnsPath(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // substring; "" means err comes back unchanged
	}{
		{"eperm", fmt.Errorf("failed to set rules: netlink: %w", syscall.EPERM),
			"operation not permitted: changing the firewall needs CAP_NET_ADMIN (run as root)"},
		{"eacces", fmt.Errorf("open: %w", syscall.EACCES),
			"permission denied: changing the firewall needs CAP_NET_ADMIN (run as root)"},
		{"fs", &fs.PathError{Op: "open", Path: "/run/netns/x", Err: fs.ErrPermission},
			"operation not permitted: changing the firewall needs CAP_NET_ADMIN (run as root)"},
		{"other", fmt.Errorf("boom: %w", syscall.EINVAL), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explain(tt.err, "changing the firewall")
			if tt.want == "" {
				if got != tt.err {
					t.Fatalf("explain changed a non-permission error: %v", got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !errors.Is(got, tt.err) && !errors.Is(got, os.ErrPermission) {
				t.Errorf("explain lost the cause: %v", got)
			}
		})
	}
	if explain(nil, "x") != nil {
		t.Error("explain(nil) != nil")
	}
}

func TestInputLoadErrors(t *testing.T) {
	bad := writeFile(t, "bad.v4", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT --no-such-option -j ACCEPT\nCOMMIT\n")
	tests := []struct {
		name string
		in   inputFlags
		want string
	}{
		{"none", inputFlags{}, "no rules given"},
		{"both stdin", inputFlags{v4: "-", v6: "-"}, "only one of -4 and -6"},
		{"missing", inputFlags{v4: filepath.Join(t.TempDir(), "nope")}, "no such file"},
		{"bad line", inputFlags{v4: bad}, bad + ":4: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.in.load(strings.NewReader(""))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("load: got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestInputLoadStdinAndFamilies(t *testing.T) {
	v6 := writeFile(t, "r.v6", "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s fd00::/64 -j RETURN\nCOMMIT\n")
	in := inputFlags{v4: "-", v6: v6}
	rs, err := in.load(strings.NewReader("*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range rs.Chains {
		got = append(got, fmt.Sprintf("%s %s %s %d", c.Family, c.Table, c.Name, len(c.Rules)))
	}
	want := []string{"ip filter FORWARD 1", "ip6 nat POSTROUTING 1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("chains = %q, want %q", got, want)
	}
}

func TestLogFlags(t *testing.T) {
	tests := []struct {
		format, level string
		ok            bool
	}{
		{"text", "info", true},
		{"json", "debug", true},
		{"json", "WARN", true},
		{"xml", "info", false},
		{"text", "loud", false},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		l, err := (&logFlags{format: tt.format, level: tt.level}).logger(&buf)
		if (err == nil) != tt.ok {
			t.Errorf("logger(%s, %s): error %v, want ok=%v", tt.format, tt.level, err, tt.ok)
			continue
		}
		if err != nil {
			continue
		}
		l.Error("hello")
		if tt.format == "json" && !strings.HasPrefix(buf.String(), "{") || !strings.Contains(buf.String(), "hello") {
			t.Errorf("logger(%s, %s) wrote %q", tt.format, tt.level, buf.String())
		}
	}
}
