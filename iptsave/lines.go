package iptsave

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/nftsync/nftsync/rule"
)

// MaxLineLen is the longest line Parse reads (rule.ScanRestore's limit, less
// one): a longer line is refused with its FILE:LINE.
const MaxLineLen = 1<<20 - 1

// checkLines refuses, before anything is parsed, lines that cannot be
// taken as written, naming FILE:LINE: a line longer than MaxLineLen, a
// NUL byte (iptables-restore, a C program, would cut the line there). Bytes
// that are not UTF-8 are kept byte for byte by the argument splitter; a
// comment holding one is refused by the rule parser (nft stores comments
// as text). "#" lines, which iptables-restore skips, are only checked for
// length.
func checkLines(data []byte, name string) error {
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if err := checkLine(line); err != nil {
			return &rule.LineError{File: name, Line: n, Text: preview(line), Err: err}
		}
	}
	return nil
}

func checkLine(line []byte) error {
	if len(line) > MaxLineLen {
		return fmt.Errorf("line is %d bytes long; at most %d are read", len(line), MaxLineLen)
	}
	if trimmed := bytes.TrimSpace(line); bytes.HasPrefix(trimmed, []byte("#")) {
		return nil
	}
	if i := bytes.IndexByte(line, 0); i >= 0 {
		return fmt.Errorf("NUL byte at column %d: iptables-restore would cut the line there", i+1)
	}
	return nil
}

// preview is how errors show a line that may be huge or hold bytes a
// terminal would mangle: quoted, cut after 60 bytes.
func preview(line []byte) string {
	const max = 60
	if len(line) > max {
		return strconv.Quote(string(line[:max])) + "..."
	}
	s := string(line)
	if utf8.ValidString(s) && !bytes.ContainsRune(line, 0) {
		return s
	}
	return strconv.Quote(s)
}
