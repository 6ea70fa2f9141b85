package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// Log formats of --log-format.
const (
	logText = "text" // lines for a person; stamped with the date and time when not on a terminal
	logJSON = "json" // one JSON object a line (log/slog): time, level, msg and the event's fields
)

// newJSONLogger writes one JSON object a line to w: time (RFC 3339), level, msg, fields.
func newJSONLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// slogLines is stderr for --log-format json: each line written to it, by the code that
// words its notices as lines, is an event of its own (msg: the line; level: WARN for a line
// that starts "warning:", else INFO). The run's events with fields of their own go to the
// logger directly (importer.Config.Log).
type slogLines struct {
	mu   sync.Mutex
	log  *slog.Logger
	part []byte // the start of a line not ended yet
}

func (s *slogLines) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rest := p
	for {
		line, after, found := bytes.Cut(rest, []byte("\n"))
		if !found {
			s.part = append(s.part, line...)
			return len(p), nil
		}
		s.emit(append(s.part, line...))
		s.part = s.part[:0]
		rest = after
	}
}

func (s *slogLines) emit(line []byte) {
	msg := strings.TrimSpace(string(line))
	if msg == "" {
		return
	}
	level := slog.LevelInfo
	if strings.HasPrefix(msg, "warning:") {
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, msg)
}
