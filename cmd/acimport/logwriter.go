package main

import (
	"bytes"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// logWriter starts every line with the date and time in ISO 8601 (RFC 3339): under cron, a log
// line without them cannot be placed. It is safe for the run's goroutines to write at once.
type logWriter struct {
	mu      sync.Mutex
	w       io.Writer
	now     func() time.Time
	midLine bool // the last write did not end its line
}

func newLogWriter(w io.Writer, now func() time.Time) *logWriter {
	return &logWriter{w: w, now: now}
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []byte
	stamp := l.now().Format(time.RFC3339) + " "
	for rest := p; len(rest) > 0; {
		if !l.midLine {
			out = append(out, stamp...)
		}
		line, after, found := bytes.Cut(rest, []byte("\n"))
		out = append(out, line...)
		if found {
			out = append(out, '\n')
		}
		l.midLine = !found
		rest = after
	}
	if _, err := l.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// StampsLines tells the importer that its lines need no time of their own.
func (l *logWriter) StampsLines() bool { return true }

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// logStderr is stderr as an import writes it: stamped lines when it goes to a file or a pipe
// (cron, a log collector), as it is on a terminal, where a person reads it as it comes.
func logStderr(stderr io.Writer) io.Writer {
	if _, ok := stderr.(*os.File); !ok || isTerminal(stderr) {
		return stderr
	}
	return newLogWriter(stderr, time.Now)
}
