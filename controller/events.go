package controller

import (
	"fmt"
	"sync"
	"time"

	"github.com/nftsync/nftsync/nft"
)

// Event-driven repair
//
// Polling finds a change someone else made only at the next resync (Kilo
// uses 30 s). The nftables engine can instead report every committed
// transaction as it happens (nft.Watcher): Drift turns those reports into
// "reconcile now" signals, so that a flushed chain or a deleted table is
// put back within milliseconds, while the resync stays as a safety net.
// Nothing is read from the kernel between changes: an idle controller
// does no work beyond its resync.

// eventEngine is an engine that reports the ruleset's committed
// transactions and recognises its own (the nftables engine).
type eventEngine interface {
	Watch() (*nft.Watcher, error)
	Committed(gen uint32) bool
}

const (
	// settle is how long the ruleset must stay quiet after a foreign
	// change before it is repaired: a script running several nft commands
	// commits several transactions, repaired once.
	settle = 10 * time.Millisecond
	// maxSettle bounds that wait when changes keep coming.
	maxSettle = 100 * time.Millisecond
	// A fight is someone undoing each repair as soon as it is made:
	// another program, or a second controller of the same owner with
	// other rules (e.g. both pods of a DaemonSet during a rolling
	// update). Both sides would rewrite the ruleset in a tight loop. A
	// foreign change that comes within fightWindow of the controller's
	// own commit is a quick one; after fightTolerance quick ones in a
	// row, each repair waits twice as long as the previous, up to
	// maxBackoff, until the other side stays quiet for fightWindow.
	fightWindow    = 500 * time.Millisecond
	fightTolerance = 3
	maxBackoff     = 5 * time.Second
	// maxRewatch bounds the wait between attempts to subscribe again
	// after the notification socket failed.
	maxRewatch = 30 * time.Second
)

// Drift subscribes to the engine's ruleset change notifications until stop
// is closed or the controller is closed. A value on the returned channel means that someone else
// changed the owned state, or that notifications were lost, and that
// Reconcile should run now; bursts of changes give one value. The
// controller's own Set, Reconcile and CleanUp are not reported.
//
// Run uses Drift; a caller with its own loop (nftsync watch) selects on it
// next to its resync ticker. With an engine that cannot report changes
// (the iptables engine, WithClients) the channel is nil, which a select
// never chooses, and the error is nil. The error is not nil when the
// subscription failed; polling then still works.
func (c *Controller) Drift(stop <-chan struct{}) (<-chan struct{}, error) {
	src, ok := c.engine.(eventEngine)
	if !ok {
		return nil, nil
	}
	w, err := src.Watch()
	if err != nil {
		return nil, fmt.Errorf("subscribing to ruleset changes: %w", err)
	}
	s := &subscription{src: src, w: w}
	c.subsMu.Lock()
	c.subs = append(c.subs, s)
	c.subsMu.Unlock()
	go func() {
		<-stop
		s.close()
	}()
	evs := make(chan nft.Event, 64)
	out := make(chan struct{}, 1)
	go c.readEvents(s, evs, stop)
	go c.coalesce(src, evs, out, stop)
	return out, nil
}

// closeSubscriptions ends the subscriptions of Drift (Close).
func (c *Controller) closeSubscriptions() {
	c.subsMu.Lock()
	defer c.subsMu.Unlock()
	for _, s := range c.subs {
		s.close()
	}
	c.subs = nil
}

// subscription is the current Watcher, replaced when its socket fails.
type subscription struct {
	src    eventEngine
	mu     sync.Mutex
	w      *nft.Watcher
	closed bool
}

func (s *subscription) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.w != nil {
		s.w.Close()
	}
}

// renew replaces a failed Watcher; false once the subscription is closed.
func (s *subscription) renew() (*nft.Watcher, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false, nil
	}
	w, err := s.src.Watch()
	if err != nil {
		return nil, true, err
	}
	s.w = w
	return w, true, nil
}

// readEvents forwards the events of s until stop is closed. When the
// socket fails, notifications may have been missed: a loss is reported,
// and the subscription is renewed with a growing delay.
func (c *Controller) readEvents(s *subscription, evs chan<- nft.Event, stop <-chan struct{}) {
	defer close(evs)
	s.mu.Lock()
	w := s.w
	s.mu.Unlock()
	for {
		ev, err := w.Next()
		if err != nil {
			w.Close()
			delay := 100 * time.Millisecond
			for {
				select {
				case <-stop:
					return
				case <-time.After(delay):
				}
				nw, open, rerr := s.renew()
				if !open {
					return
				}
				if rerr == nil {
					c.logger.Warn("ruleset notifications failed; subscribed again", "err", err)
					w = nw
					break
				}
				delay = min(2*delay, maxRewatch)
			}
			ev = nft.Event{Lost: true, Owned: true, At: time.Now()}
		}
		select {
		case evs <- ev:
		case <-stop:
			return
		}
	}
}

// coalesce turns the events that need a repair into signals on out, one
// per burst: it waits until no such event came for settle (at most
// maxSettle after the first), longer during a fight (see fightWindow).
func (c *Controller) coalesce(src eventEngine, evs <-chan nft.Event, out chan<- struct{}, stop <-chan struct{}) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var first, lastOwn time.Time
	var f fight
	armed := false
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				timer.Stop()
				return
			}
			kind := c.classify(src, ev)
			if kind == "own" {
				lastOwn = ev.At
			}
			if kind != "foreign" && kind != "lost" {
				continue
			}
			c.markDrift(ev.At)
			now := time.Now()
			if !armed {
				armed, first = true, now
				timer.Reset(f.wait(ev.At.Sub(lastOwn)))
				if f.quick == fightTolerance+1 {
					c.logger.Warn("the owned tables are changed again right after each repair; repairing less often until that stops")
				}
			} else if now.Sub(first) < max(maxSettle, f.delay)-f.delay {
				timer.Reset(f.delay)
			}
		case <-timer.C:
			armed = false
			select {
			case out <- struct{}{}:
			default: // a signal is pending already
			}
		case <-stop:
			timer.Stop()
			return
		}
	}
}

// fight tracks quick foreign changes (see fightWindow).
type fight struct {
	quick int
	delay time.Duration
}

// wait returns how long to wait before repairing a change that came
// sinceOwn after the controller's last own commit.
func (f *fight) wait(sinceOwn time.Duration) time.Duration {
	if sinceOwn >= fightWindow {
		f.quick = 0
	} else {
		f.quick++
	}
	switch {
	case f.quick <= fightTolerance:
		f.delay = settle
	default:
		f.delay = min(2*f.delay, maxBackoff)
	}
	return f.delay
}

// classify tells what an event is and counts it: "foreign" (someone
// else's change to an owned table) and "lost" need a repair; "own" (the
// controller's commits) and "unrelated" (changes elsewhere) do not.
func (c *Controller) classify(src eventEngine, ev nft.Event) string {
	kind := "foreign"
	switch {
	case ev.Lost:
		kind = "lost"
	case !ev.Owned:
		kind = "unrelated"
	case src.Committed(ev.Gen):
		kind = "own"
	}
	c.metrics.events.WithLabelValues(kind).Inc()
	return kind
}

// markDrift records when the oldest change not yet repaired was seen.
func (c *Controller) markDrift(at time.Time) {
	c.driftMu.Lock()
	defer c.driftMu.Unlock()
	if c.driftSince.IsZero() || at.Before(c.driftSince) {
		c.driftSince = at
	}
}

// takeDrift returns and clears the time of the oldest unrepaired change
// (zero when there is none); a reconcile that then fails gives it back
// with putDrift.
func (c *Controller) takeDrift() time.Time {
	c.driftMu.Lock()
	defer c.driftMu.Unlock()
	t := c.driftSince
	c.driftSince = time.Time{}
	return t
}

// repaired observes the repair latency of the change seen at since, or
// keeps it pending when the reconcile failed.
func (c *Controller) repaired(since time.Time, err error) {
	if since.IsZero() {
		return
	}
	if err != nil {
		c.markDrift(since)
		return
	}
	c.metrics.repair.Observe(time.Since(since).Seconds())
}
