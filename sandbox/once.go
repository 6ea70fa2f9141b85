package sandbox

import (
	"bytes"
	"net/http"
	"sync"

	"github.com/acimport/acimport/internal/altcraft"
)

// serveOnce applies a request whose body was read, at most once per key while
// deduplication remembers it, and loses its answer when the dice say so. A
// repeat of a remembered request is answered from the store; a repeat of one
// being applied waits for its answer (or, when that request ends without one,
// is applied itself).
func (s *Server) serveOnce(w http.ResponseWriter, r *http.Request, method altcraft.Method, body []byte) {
	key, shown := requestKey(r, body)
	if s.dedup == nil {
		s.applyOnce(w, r, method, body, key, nil)
		return
	}
	for {
		m, owner := s.dedup.claim(key)
		if owner {
			s.applyOnce(w, r, method, body, key, m)
			return
		}
		if done := s.dedup.wait(m); done != nil {
			s.dedup.waiting.Add(1)
			select {
			case <-done:
				s.dedup.waiting.Add(-1)
			case <-r.Context().Done():
				s.dedup.waiting.Add(-1)
				closeConnection(w)
				return
			}
		}
		if m.ok {
			s.replay(w, m, shown)
			return
		}
	}
}

// applyOnce applies the request into a recorder, remembers the answer in m
// (when not nil) and then either answers it or loses it.
func (s *Server) applyOnce(w http.ResponseWriter, r *http.Request, method altcraft.Method, body []byte, key dedupKey, m *memo) {
	rec := recorderPool.Get().(*recorder)
	defer rec.release()
	if m != nil {
		settled := false
		defer func() {
			if !settled { // a panic: nothing to remember
				s.dedup.abandon(m)
			}
		}()
		s.apply(rec, r, method, body, nil)
		if rec.status == http.StatusUnauthorized || rec.status == http.StatusForbidden {
			s.dedup.abandon(m)
		} else {
			s.dedup.answer(m, rec.status, rec.header["Content-Type"], rec.body.Bytes())
		}
		settled = true
	} else {
		s.apply(rec, r, method, body, nil)
	}
	if s.loser.lose(key) {
		s.lost.Add(1)
		dropConnection(w)
		return
	}
	h := w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes()) //nolint:errcheck // the client is gone; nothing to do
}

// replay answers a repeat with the remembered answer and the headers that
// say it is one.
func (s *Server) replay(w http.ResponseWriter, m *memo, shown string) {
	s.replayed.Add(1)
	h := w.Header()
	if m.ctype != nil {
		h["Content-Type"] = m.ctype
	}
	h[headerDuplicate] = duplicateTrue
	h[headerDuplicateKey] = []string{shown}
	w.WriteHeader(m.status)
	w.Write(m.body) //nolint:errcheck // the client is gone; nothing to do
}

// recorder is the ResponseWriter a method answers into when its answer may be
// remembered or lost.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

var recorderPool = sync.Pool{New: func() any { return &recorder{header: make(http.Header, 2)} }}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.body.Write(b)
}

// release resets rec and returns it to the pool, unless its buffer grew
// large (a batch answer).
func (rec *recorder) release() {
	if rec.body.Cap() > 64<<10 {
		return
	}
	clear(rec.header)
	rec.status = 0
	rec.body.Reset()
	recorderPool.Put(rec)
}
