package netnstest

// ICMPChecksum is the Internet checksum (RFC 1071) of an ICMPv4 message,
// whose checksum field is zero: tests that send ICMP over a raw socket
// fill it in (the kernel does it for ICMPv6).
func ICMPChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
