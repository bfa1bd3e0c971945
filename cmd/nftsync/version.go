package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is the release the binary is, when the build says so:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/nftsync
//
// (the Makefile and the Dockerfile pass `git describe`). Empty means "ask
// the build info": `go install ...@v1.2.3` stamps the module version there,
// a build in a checkout its VCS revision.
var version string

// buildInfo is what a binary knows about its own build.
type buildInfo struct {
	Version   string // release (ldflags or module version), or "devel"
	Revision  string // VCS commit, "" when unknown
	Time      string // VCS commit time (RFC 3339), "" when unknown
	Modified  bool   // built from a working tree with uncommitted changes
	GoVersion string
}

// readBuildInfo combines the ldflags stamp with runtime/debug's build info.
func readBuildInfo() buildInfo {
	bi := buildInfo{Version: version, GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if ok {
		if bi.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			bi.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				bi.Revision = s.Value
			case "vcs.time":
				bi.Time = s.Value
			case "vcs.modified":
				bi.Modified = s.Value == "true"
			}
		}
	}
	if bi.Version == "" {
		bi.Version = "devel"
	}
	return bi
}

// short is the one line --version prints: "v1.2.3" or "devel (abc123def456,
// modified)".
func (bi buildInfo) short() string {
	s := bi.Version
	if bi.Revision == "" {
		return s
	}
	rev := bi.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if bi.Modified {
		rev += ", modified"
	}
	return s + " (" + rev + ")"
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version nftsync was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi := readBuildInfo()
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "nftsync %s\n", bi.Version)
			if bi.Revision != "" {
				fmt.Fprintf(w, "commit   %s\n", bi.Revision)
			}
			if bi.Time != "" {
				fmt.Fprintf(w, "date     %s\n", bi.Time)
			}
			if bi.Modified {
				fmt.Fprintf(w, "modified true (uncommitted changes)\n")
			}
			_, err := fmt.Fprintf(w, "go       %s\n", bi.GoVersion)
			return err
		},
	}
}
