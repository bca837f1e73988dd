package redact

import (
	"context"
	"log/slog"
)

// Handler wraps h so that log messages and string attributes (also inside
// groups, and errors) are masked before h sees them.
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
	switch v.Kind() {
	case slog.KindString:
		if secretKey.MatchString(a.Key) {
			return slog.String(a.Key, Mask)
		}
		return slog.String(a.Key, x.r.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = x.attr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		// errors and Stringers are rendered, then masked: error paths are
		// where real leaks happen.
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, x.r.String(err.Error()))
		}
		return slog.String(a.Key, x.r.String(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
