// Command nftsync keeps a host's firewall in a declared state on nftables,
// reading rules written for iptables, and translates iptables rules to nft.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code: 0 on
// success, the code of an exitCodeError (diff's 2), else 1 with the error
// printed on stderr. Only exitCodeError sets the code: a wrapped
// *exec.ExitError of a failed iptables program also has an ExitCode
// method, and its status (4, or 2, which would read as diff's "changes")
// must not become nftsync's, nor its message be lost.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return exitCode(root.Execute(), stderr)
}

// exitCode returns the exit code for err, printing err when it is 1.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var coded exitCodeError
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	fmt.Fprintf(stderr, "nftsync: %v\n", err)
	return 1
}
