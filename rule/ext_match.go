package rule

// matchTypes lists the match extensions, by the name given to -m. Each
// constructor gets the rule being parsed so it can check the family.
var matchTypes = map[string]func(r *Rule) (Match, error){
	"comment":   func(*Rule) (Match, error) { return &Comment{}, nil },
	"tcp":       func(*Rule) (Match, error) { return &TCP{}, nil },
	"udp":       func(*Rule) (Match, error) { return &UDP{}, nil },
	"sctp":      func(*Rule) (Match, error) { return &SCTP{}, nil },
	"multiport": func(*Rule) (Match, error) { return &Multiport{}, nil },
	"icmp":      newICMP,
	"icmp6":     newICMP6,
	"conntrack": func(*Rule) (Match, error) { return &Conntrack{}, nil },
	"state":     func(*Rule) (Match, error) { return &State{}, nil },
	"mark":      func(*Rule) (Match, error) { return &MarkMatch{}, nil },
	"connmark":  func(*Rule) (Match, error) { return &ConnmarkMatch{}, nil },
	"addrtype":  func(*Rule) (Match, error) { return &AddrType{}, nil },
	"limit":     newLimit,
	"iprange":   func(*Rule) (Match, error) { return &IPRangeMatch{}, nil },
	"pkttype":   func(*Rule) (Match, error) { return &PktType{}, nil },
	"length":    func(*Rule) (Match, error) { return &Length{}, nil },
	"ttl":       newTTL,
	"hl":        newHL,
	"cpu":       func(*Rule) (Match, error) { return &CPU{}, nil },
	"cgroup":    func(*Rule) (Match, error) { return &Cgroup{}, nil },
	"helper":    func(*Rule) (Match, error) { return &Helper{}, nil },
	"devgroup":  func(*Rule) (Match, error) { return &DevGroup{}, nil },
}
