package xt

// SocketMatch is xt_socket, revision 3 (struct xt_socket_mtinfo3), which
// iptables 1.8.9 uses for every socket rule, options or not.
var SocketMatch = register(&Ext{Kind: Match, Name: "socket", Rev: 3, Families: BothFamilies, Hooks: PreRouting | LocalIn, Size: 8})

// The flags of struct xt_socket_mtinfo3.
const (
	SocketTransparent   = 1 << 0 // XT_SOCKET_TRANSPARENT
	SocketNoWildcard    = 1 << 1 // XT_SOCKET_NOWILDCARD
	SocketRestoreSKMark = 1 << 2 // XT_SOCKET_RESTORESKMARK
)

// Socket is struct xt_socket_mtinfo3.
type Socket struct {
	Flags uint8
}

// Marshal encodes the info.
func (s Socket) Marshal() []byte {
	b := newEnc(SocketMatch.Size)
	b.u8(0, s.Flags)
	return b
}

// DecodeSocket decodes the info.
func DecodeSocket(info []byte) (Socket, error) {
	if err := checkLen(SocketMatch, info); err != nil {
		return Socket{}, err
	}
	return Socket{Flags: info[0]}, nil
}
