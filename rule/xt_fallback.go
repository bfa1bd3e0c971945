package rule

import (
	"errors"
	"strings"
)

// xlateOrXt appends native's statements; where native refuses the match
// (ErrUnsupported: nft has no exact statement for it), it installs the
// match's xt extension instead, which the kernel runs as iptables does,
// and drops what native had appended. translate prints the extension as
// nft lists it ("xt match NAME"), with a warning giving native's reason.
// Where nft has no statement for it at all (ErrNoNftText), translate
// prints no text for the rule (addNoStatement).
func xlateOrXt(x *xlator, native func(*xlator) error, e xtEncoder) error {
	n, l4, sets := len(x.stmts), x.l4, len(x.sets)
	err := native(x)
	noStmt := errors.Is(err, ErrNoNftText)
	if err == nil || !noStmt && !errors.Is(err, ErrUnsupported) {
		return err
	}
	x.stmts, x.l4, x.sets = x.stmts[:n], l4, x.sets[:sets]
	// addXtOnly tests the -p the header left to the match named like it
	// first (protoFirst): xt_tcp and xt_ipcomp read the transport header
	// without testing the protocol.
	ext, info := e.xtInfo()
	if noStmt {
		return x.addNoStatement(err, ext, info)
	}
	return x.addXtOnly("nft has no exact statement for "+strings.TrimSuffix(err.Error(), ": "+ErrUnsupported.Error()), ext, info)
}
