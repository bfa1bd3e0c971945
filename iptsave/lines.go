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
// NUL byte (iptables-restore, a C program, would cut the line there), and
// bytes that are not UTF-8 (rule arguments are Go strings read as UTF-8:
// such a byte would silently become U+FFFD, and a comment holding it
// another comment). "#" lines, which iptables-restore skips, are only
// checked for length.
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
	if !utf8.Valid(line) {
		i := invalidAt(line)
		return fmt.Errorf("byte 0x%02x at column %d is not UTF-8: it would be changed into U+FFFD, not kept as written", line[i], i+1)
	}
	return nil
}

// invalidAt returns the offset of the first byte of line that is not part
// of valid UTF-8.
func invalidAt(line []byte) int {
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRune(line[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
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
