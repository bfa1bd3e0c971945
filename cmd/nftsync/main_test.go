package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestExitCodeOfFailedProgram: a failed iptables program's *exec.ExitError
// (exit 4, or 2, diff's "changes") is an error like any other: exit 1 and
// the message printed, never the program's status in silence.
func TestExitCodeOfFailedProgram(t *testing.T) {
	for _, status := range []int{2, 4} {
		raw := exec.Command("sh", "-c", fmt.Sprintf("exit %d", status)).Run()
		if raw == nil {
			t.Fatal("sh did not fail")
		}
		err := fmt.Errorf("applying ip rules: iptables-restore --noflush: %w: iptables-restore: line 3 failed", raw)
		var stderr bytes.Buffer
		if got := exitCode(err, &stderr); got != 1 {
			t.Errorf("exit status %d of a program: nftsync exits %d, want 1", status, got)
		}
		if !strings.Contains(stderr.String(), "line 3 failed") {
			t.Errorf("exit status %d of a program: message lost, stderr %q", status, stderr.String())
		}
	}
	var stderr bytes.Buffer
	if got := exitCode(fmt.Errorf("wrapped: %w", exitCodeError(2)), &stderr); got != 2 || stderr.Len() != 0 {
		t.Errorf("diff's exitCodeError(2): exit %d, stderr %q; want 2 and nothing printed", got, stderr.String())
	}
}
