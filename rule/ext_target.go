package rule

// targetTypes lists the target extensions, by the name given to -j. A name
// not listed here is a jump to a chain.
var targetTypes = map[string]func(r *Rule) (Target, error){
	"ACCEPT": func(*Rule) (Target, error) { return &Verdict{Kind: "ACCEPT"}, nil },
	"DROP":   func(*Rule) (Target, error) { return &Verdict{Kind: "DROP"}, nil },
	"RETURN": func(*Rule) (Target, error) { return &Verdict{Kind: "RETURN"}, nil },

	"REJECT":     newReject,
	"LOG":        newLog,
	"NFLOG":      newNFLog,
	"MASQUERADE": newMasquerade,
	"SNAT":       newSNAT,
	"DNAT":       newDNAT,
	"REDIRECT":   newRedirect,
	"MARK":       newMark,
	"CONNMARK":   newConnMark,
	"TCPMSS":     newTCPMSS,
	"NOTRACK":    newNoTrack,
	"CT":         newCT,
	"TRACE":      newTrace,
	"CLASSIFY":   newClassify,
	"DSCP":       newDSCP,
	"NFQUEUE":    newNFQueue,
	"AUDIT":      newAudit,
	"SYNPROXY":   newSynProxy,
	"TEE":        newTEE,
	"TOS":        newTOS,
	"TPROXY":     newTProxy,

	"TTL":         newTTLTarget,
	"HL":          newHLTarget,
	"ECN":         newECNTarget,
	"CHECKSUM":    newChecksum,
	"TCPOPTSTRIP": newTCPOptStrip,
	"IDLETIMER":   newIdletimer,
	"RATEEST":     newRateEst,
	"NETMAP":      newNetmap,
	"SNPT":        newSNPT,
	"DNPT":        newDNPT,
	"CONNSECMARK": newConnSecmark,
	"HMARK":       newHMark,
}
