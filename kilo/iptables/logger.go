package iptables

import (
	"context"
	"log/slog"
	"slices"
	"strings"
)

// Logger is go-kit's log.Logger: Kilo's loggers satisfy it, and this
// package does not depend on go-kit.
type Logger interface {
	Log(keyvals ...interface{}) error
}

// kitHandler is a slog.Handler that writes to a Logger: "level" (as a
// lower-case string), "msg", then the record's attributes. Debug records
// are dropped: go-kit's level filter only knows its own level values, so
// it could not hold them back.
type kitHandler struct {
	l      Logger
	attrs  []interface{}
	prefix string // group names, dot-separated, for the keys that follow
}

func (h *kitHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *kitHandler) Handle(_ context.Context, r slog.Record) error {
	kv := make([]interface{}, 0, 4+len(h.attrs)+2*r.NumAttrs())
	kv = append(kv, "level", strings.ToLower(r.Level.String()), "msg", r.Message)
	kv = append(kv, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		kv = appendAttr(kv, h.prefix, a)
		return true
	})
	return h.l.Log(kv...)
}

func (h *kitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = slices.Clip(h.attrs) // appending must not write into h's array
	for _, a := range as {
		n.attrs = appendAttr(n.attrs, h.prefix, a)
	}
	return &n
}

func (h *kitHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.prefix = h.prefix + name + "."
	return &n
}

// appendAttr appends an attribute as key and value, groups flattened.
func appendAttr(kv []interface{}, prefix string, a slog.Attr) []interface{} {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			kv = appendAttr(kv, p, g)
		}
		return kv
	}
	if a.Key == "" {
		return kv
	}
	return append(kv, prefix+a.Key, v.Any())
}

// slogger returns the slog.Logger the engine logs to: l, or nothing.
func slogger(l Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(&kitHandler{l: l})
}
