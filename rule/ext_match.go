package rule

// matchTypes lists the match extensions, by the name given to -m. Each
// constructor gets the rule being parsed so it can check the family.
var matchTypes = map[string]func(r *Rule) (Match, error){
	"comment": func(*Rule) (Match, error) { return &Comment{}, nil },
	"tcp":     func(*Rule) (Match, error) { return &TCP{}, nil },
	"udp":     func(*Rule) (Match, error) { return &UDP{}, nil },
}
