package xt

import (
	"strings"
	"testing"
)

// TestComment round-trips a comment and refuses one without room for its
// NUL.
func TestComment(t *testing.T) {
	b, err := Comment{Text: "Kilo: forward"}.Marshal()
	if err != nil || len(b) != 256 {
		t.Fatalf("Marshal: %d bytes, %v", len(b), err)
	}
	c, err := DecodeComment(b)
	if err != nil || c.Text != "Kilo: forward" {
		t.Errorf("DecodeComment = %q, %v", c.Text, err)
	}
	if _, err := (Comment{Text: strings.Repeat("x", 256)}).Marshal(); err == nil {
		t.Error("a 256-byte comment was encoded")
	}
}
