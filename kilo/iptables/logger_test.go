package iptables

import (
	"fmt"
	"testing"
	"time"
)

// TestKitHandler: records reach the go-kit style logger as level, msg and
// the attributes, groups flattened into dotted keys; debug records do not.
func TestKitHandler(t *testing.T) {
	var got []string
	l := loggerFunc(func(kv ...interface{}) error {
		got = append(got, fmt.Sprint(kv...))
		return nil
	})
	log := slogger(l)
	base := log.With("component", "iptables")
	base.WithGroup("engine").Info("applied", "changes", 2, "took", time.Second)
	base.Debug("change", "rule", "-j ACCEPT")
	base.Warn("odd")
	want := []string{
		fmt.Sprint("level", "info", "msg", "applied", "component", "iptables", "engine.changes", 2, "engine.took", time.Second),
		fmt.Sprint("level", "warn", "msg", "odd", "component", "iptables"),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logged\n%q\nwant\n%q", got, want)
	}
}

type loggerFunc func(kv ...interface{}) error

func (f loggerFunc) Log(kv ...interface{}) error { return f(kv...) }
