package xt

import "fmt"

// CommentMatch is xt_comment, revision 0 (struct xt_comment_info: char
// comment[XT_MAX_COMMENT_LEN]). nftsync's own tables keep a rule's comment
// in the rule's userdata, as nft does; in iptables-nft's own tables it is
// this match, which is what iptables-nft 1.8.9 writes for -m comment.
var CommentMatch = register(&Ext{Kind: Match, Name: "comment", Rev: 0, Families: BothFamilies, Size: 256})

// Comment is struct xt_comment_info: the text, NUL-terminated.
type Comment struct {
	Text string
}

// Marshal encodes the info; a text of 256 bytes or more (no room for the
// NUL) is an error, as iptables refuses it.
func (c Comment) Marshal() ([]byte, error) {
	if len(c.Text) >= CommentMatch.Size {
		return nil, fmt.Errorf("comment of %d bytes; xt_comment holds at most %d", len(c.Text), CommentMatch.Size-1)
	}
	b := newEnc(CommentMatch.Size)
	b.bytes(0, []byte(c.Text))
	return b, nil
}

// DecodeComment decodes the info.
func DecodeComment(info []byte) (Comment, error) {
	if err := checkLen(CommentMatch, info); err != nil {
		return Comment{}, err
	}
	n := 0
	for n < len(info) && info[n] != 0 {
		n++
	}
	return Comment{Text: string(info[:n])}, nil
}
