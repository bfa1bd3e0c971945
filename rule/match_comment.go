package rule

import (
	"strings"
	"unicode/utf8"
)

// MaxIptablesCommentLen is the longest comment iptables keeps: its
// xt_comment_info holds 256 bytes with the terminating NUL, and iptables
// (legacy and nft alike, measured with 1.8.9) cuts a longer one to its
// first 255 bytes without a word; so does the parser, so that a rule reads
// back as iptables-save prints it.
const MaxIptablesCommentLen = 255

// Comment is -m comment --comment TEXT. nft stores it in the rule's userdata
// and prints it after the verdict.
type Comment struct {
	Text string
	set  bool
}

// Name returns "comment".
func (c *Comment) Name() string   { return "comment" }
func (c *Comment) stateful() bool { return false }

func (c *Comment) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--comment" {
		return false, nil
	}
	if invert {
		return true, argError(opt, "cannot be negated")
	}
	if c.set {
		return true, argError(opt, "may only be given once per -m comment")
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	if len(v) > MaxIptablesCommentLen {
		v = v[:MaxIptablesCommentLen]
		if !utf8.ValidString(v) {
			return true, argError(v, "comment cut to %d bytes, as iptables cuts it, is no longer valid UTF-8 (the cut splits a character)", MaxIptablesCommentLen)
		}
	}
	switch {
	case !utf8.ValidString(v):
		return true, argError(v, "comment is not valid UTF-8")
	case strings.ContainsRune(v, 0):
		// An iptables argument is a C string: iptables cannot be given one.
		return true, argError(v, "comment contains a NUL byte")
	}
	c.Text, c.set = v, true
	return true, nil
}

func (c *Comment) finish(*Rule) error {
	if !c.set {
		return argError("-m comment", "needs --comment")
	}
	return nil
}

func (c *Comment) args() []string { return []string{"--comment", c.Text} }

func (c *Comment) appendArgs(b []byte) []byte {
	return appendArg(append(b, " --comment"...), c.Text)
}

// xlate keeps the comment; of several, the last, as iptables-translate
// does (nft has one comment per rule; a comment does not change what the
// rule matches, and the backend keeps the others in the rule's spec).
func (c *Comment) xlate(x *xlator) error {
	x.comment, x.commented = c.Text, true
	return nil
}
