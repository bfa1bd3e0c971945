package xt

import "fmt"

// LogTarget is the LOG target, revision 0 (struct xt_log_info), which
// iptables 1.8.9 uses in iptables-nft's own tables.
var LogTarget = register(&Ext{Kind: Target, Name: "LOG", Rev: 0, Families: BothFamilies, Size: 32})

// Log is struct xt_log_info: the syslog level, the XT_LOG_* flags and the
// prefix (at most 29 bytes and a NUL).
type Log struct {
	Level, Flags uint8
	Prefix       string
}

// Marshal encodes the info.
func (l Log) Marshal() ([]byte, error) {
	if len(l.Prefix) > 29 {
		return nil, fmt.Errorf("log prefix of %d bytes; xt_LOG holds at most 29", len(l.Prefix))
	}
	b := newEnc(LogTarget.Size)
	b.u8(0, l.Level)
	b.u8(1, l.Flags)
	b.bytes(2, []byte(l.Prefix))
	return b, nil
}
