package rule

import "fmt"

// State is the state match (--state), an older spelling of conntrack's
// --ctstate without SNAT and DNAT. It is a different module from conntrack,
// so -m state and -m conntrack rules never have the same Key.
type State struct {
	Mask   uint32 // CtState* bits
	Invert bool
	set    bool
}

// Name returns "state".
func (s *State) Name() string   { return "state" }
func (s *State) stateful() bool { return false }

func (s *State) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--state" {
		return false, nil
	}
	v, err := p.onceValue(opt, s.set)
	if err != nil {
		return true, err
	}
	s.Mask, err = parseCtStates(v, false)
	s.Invert, s.set = invert, true
	return true, err
}

func (s *State) finish(*Rule) error {
	if !s.set {
		return argError("-m state", "needs --state")
	}
	return nil
}

func (s *State) args() []string {
	if s.Invert {
		return []string{"!", "--state", formatCtStates(s.Mask)}
	}
	return []string{"--state", formatCtStates(s.Mask)}
}

func (s *State) appendArgs(b []byte) []byte {
	return appendCtStates(append(appendNot(b, s.Invert), " --state"...), s.Mask)
}

func (s *State) xlate(x *xlator) error {
	if s.Mask == 0 {
		return fmt.Errorf("--state with no state: %w", ErrUnsupported)
	}
	xlateCtState(x, s.Mask, s.Invert)
	return nil
}
