package xt

// LogTarget is xt_LOG, revision 0 (struct xt_log_info).
var LogTarget = register(&Ext{Kind: Target, Name: "LOG", Rev: 0, Families: BothFamilies, Size: 32})

// LogPrefixMax is the longest prefix struct xt_log_info holds with its NUL.
const LogPrefixMax = 29

// Log is struct xt_log_info.
type Log struct {
	Level, Flags uint8
	Prefix       string
}

// Marshal encodes the info (a prefix longer than LogPrefixMax is cut).
func (l Log) Marshal() []byte {
	b := newEnc(LogTarget.Size)
	b.u8(0, l.Level)
	b.u8(1, l.Flags)
	b.bytes(2, []byte(l.Prefix[:min(len(l.Prefix), LogPrefixMax)]))
	return b
}

// DecodeLog decodes the info.
func DecodeLog(info []byte) (Log, error) {
	if err := checkLen(LogTarget, info); err != nil {
		return Log{}, err
	}
	p := info[2:]
	for i, c := range p {
		if c == 0 {
			p = p[:i]
			break
		}
	}
	return Log{Level: info[0], Flags: info[1], Prefix: string(p)}, nil
}
