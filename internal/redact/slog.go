package redact

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
)

// Handler wraps h so that log messages and attributes (also inside groups,
// and errors) are masked before h sees them. An attribute whose key names
// a secret (SecretKey) is masked whatever its kind; a structured value
// (a map, a struct) is masked as JSON.
func (r *Redactor) Handler(h slog.Handler) slog.Handler { return &handler{h: h, r: r} }

type handler struct {
	h slog.Handler
	r *Redactor
}

func (x *handler) Enabled(ctx context.Context, l slog.Level) bool { return x.h.Enabled(ctx, l) }

func (x *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, x.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(x.attr(a))
		return true
	})
	return x.h.Handle(ctx, out)
}

func (x *handler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = x.attr(a)
	}
	return &handler{h: x.h.WithAttrs(masked), r: x.r}
}

func (x *handler) WithGroup(name string) slog.Handler {
	return &handler{h: x.h.WithGroup(name), r: x.r}
}

func (x *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if v.Kind() != slog.KindBool && SecretKey(a.Key) {
		return slog.String(a.Key, Mask)
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, x.r.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = x.attr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		return slog.Any(a.Key, x.any(v.Any()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// any masks a value of kind Any: errors and Stringers are rendered, then
// masked (error paths are where real leaks happen); anything else is
// masked as JSON, where its secret-named fields are found.
func (x *handler) any(v any) any {
	switch t := v.(type) {
	case error:
		return x.r.String(t.Error())
	case fmt.Stringer:
		return x.r.String(t.String())
	case nil:
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return x.r.String(fmt.Sprint(v))
	}
	masked := x.r.JSON(raw)
	var s string
	if json.Unmarshal(masked, &s) == nil {
		return s
	}
	return masked
}
