// Package sandbox is an in-memory HTTP server that behaves like the Altcraft
// profile import API (POST /api/v1.1/profiles/import), with fault injection,
// for rehearsals, demos and tests that must not touch a real platform.
package sandbox

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
)

// Paths of the inspection endpoints; the API's own come from altcraft.
const (
	profilesPath = "/sandbox/profiles"
	statsPath    = "/sandbox/stats"
)

// defaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes is 0.
const defaultMaxBodyBytes = 1 << 20

// Config says which token, databases and resources exist and which faults to
// inject. The zero Config is a well-behaved platform that accepts any
// non-empty token and every positive database and resource id.
type Config struct {
	// Token is the only accepted API token; "" accepts any non-empty token.
	// When set, GET /sandbox/profiles and /sandbox/stats need it too, as a
	// Bearer header: the sandbox holds customers' data.
	Token string
	// DBs lists the existing profile databases; nil or empty means every
	// positive id exists.
	DBs []int
	// Resources lists the existing resources; nil or empty means every
	// positive id exists.
	Resources []int
	// Latency is added before answering each import request that survived
	// the other faults. A request whose context ends first gets no answer.
	// Zero adds nothing.
	Latency time.Duration
	// FailRate is the fraction (0 to 1) of import requests answered with
	// HTTP 500, 502 or 503, with a JSON or a short non-JSON body. Zero
	// injects none.
	FailRate float64
	// DropRate is the fraction (0 to 1) of import requests whose connection
	// is closed without any answer. Zero injects none.
	DropRate float64
	// LimitRPS, when positive, limits import requests with a token bucket
	// that holds max(1, LimitRPS) tokens, starts full and refills at
	// LimitRPS tokens a second; a request finding it empty gets HTTP 429
	// with Retry-After and a JSON body {"error":429,...}. Zero means no limit.
	LimitRPS float64
	// LoseRate is the fraction (0 to 1) of import requests that are applied
	// — the store changed, the answer computed and, with deduplication on,
	// remembered — and then get no answer: the connection is closed, as when
	// the platform's answer is lost on the way back. A request is lost at
	// most once: once its key (see DedupWindow) was lost, it is always
	// answered, so a client retrying it gets an answer (a replay, with
	// deduplication on). Each lost key is kept, about 50 bytes. Answers from
	// the deduplication store are never lost. Zero loses none.
	LoseRate float64
	// Seed seeds the drop, failure and lose decisions: the same requests in
	// the same order meet the same faults.
	Seed int64
	// MaxBodyBytes limits the request body; 0 means 1 MiB for a single
	// profile and 10 MB (altcraft.MaxBatchBytes) for a batch.
	MaxBodyBytes int64
	// Discard keeps no profiles, so that memory stays flat however many
	// rows a load test sends. Every request is checked and answered as
	// without it (token, databases, resources, matching, fields, faults),
	// but a valid import always answers a newly created profile, with the id
	// an empty store would give its key, and counts in Stats.Created: the
	// same key twice is created twice, with the same id. Matching by
	// profile_id and every update always answer 404 "Profile not found",
	// profiles/add never finds a duplicate, and Profiles and
	// GET /sandbox/profiles return an empty list.
	Discard bool
	// DedupWindow is how long an answered import request is remembered, as
	// the platform's deduplication does: a repeat of it within the window is
	// answered with the first answer (same status and body) plus the headers
	// Duplicate-Request: true and Duplicate-Key: KEY, and is not applied
	// again. KEY is the Request-ID header when the request has one; otherwise
	// a checksum of the method's path, the body and every header but the
	// hop-by-hop ones (Connection, Keep-Alive, Proxy-Connection,
	// Proxy-Authorization, TE, Trailer, Transfer-Encoding, Upgrade) and
	// Date, so any other header that differs (an X-Request-ID) makes a new
	// key. A repeat arriving while the first is being applied waits for its
	// answer. Only answers the platform would give are remembered: not the
	// faults injected above (a drop, a 5xx, a 429), not a token refused (401,
	// 403: no account to remember it for), not a body too large to read; a
	// request that got none of them is applied when repeated. 0 means the
	// platform's default, DefaultDedupWindow (24h); a negative window turns
	// deduplication off. With Discard, answers are still remembered.
	DedupWindow time.Duration
	// DedupMaxBytes bounds the memory of the remembered answers: about 256
	// bytes a request plus its answer's body (some 60 bytes for one profile,
	// about 50 a profile for a batch). Past it the oldest answers are
	// forgotten before their window ends. 0 means DefaultDedupMaxBytes
	// (256 MiB, about a million single-profile requests).
	DedupMaxBytes int64
}

// Stats counts import requests. Requests counts every POST to an import
// method; each profile of it then ends as exactly one of Created, Updated,
// Rejected (an API error answer, 4xx) or Faults (a drop, a 5xx or a 429), or
// the request as a whole in Replayed, except
// a request abandoned by its client during Latency, which ends as none of them.
// A batch request counts once in Requests and each of its profiles once in
// Created, Updated or Rejected; a batch refused as a whole counts once in
// Rejected, and a fault once in Faults.
type Stats struct {
	Requests int64 `json:"requests"`
	Created  int64 `json:"created"`
	Updated  int64 `json:"updated"`
	Rejected int64 `json:"rejected"`
	Faults   int64 `json:"faults"`
	// Replayed counts requests answered from the deduplication store (once
	// per request, batch or not); they count in none of the above.
	Replayed int64 `json:"replayed"`
	// Lost counts requests applied and then left without an answer
	// (Config.LoseRate); their profiles count as Created, Updated or Rejected.
	Lost int64 `json:"lost"`
}

// Server is the sandbox's http.Handler. It is safe for concurrent use.
type Server struct {
	token     string
	dbs       map[int]bool // nil: every positive id exists
	resources map[int]bool // nil: every positive id exists
	latency   time.Duration
	maxBody   int64
	// maxBatchBody limits a batch request's body: Config.MaxBodyBytes, or
	// the vendor's 10 MB.
	maxBatchBody int64
	discard      bool

	store  *store
	faults *faults
	dedup  *dedup // nil: deduplication off
	loser  *loser // nil: no request is lost

	requests, created, updated, rejected, faultCount, replayed, lost atomic.Int64
}

// New returns a server with an empty store, configured by cfg.
func New(cfg Config) *Server {
	s := &Server{
		token:     cfg.Token,
		dbs:       idSet(cfg.DBs),
		resources: idSet(cfg.Resources),
		latency:   cfg.Latency,
		maxBody:   cfg.MaxBodyBytes,
		discard:   cfg.Discard,
		store:     newStore(),
		faults:    newFaults(cfg),
		dedup:     newDedup(cfg),
		loser:     newLoser(cfg),
	}
	s.maxBatchBody = s.maxBody
	if s.maxBody <= 0 {
		s.maxBody, s.maxBatchBody = defaultMaxBodyBytes, altcraft.MaxBatchBytes
	}
	return s
}

func idSet(ids []int) map[int]bool {
	if len(ids) == 0 {
		return nil
	}
	set := make(map[int]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// ServeHTTP answers POST to the six import methods (/api/v1.1/profiles/import,
// update, add and their _batch forms), GET /sandbox/profiles and GET
// /sandbox/stats; other paths get 404 and other methods 405, both with a JSON
// error body.
//
// A dropped request hijacks the connection and closes it. When w cannot be
// hijacked (an httptest.ResponseRecorder, HTTP/2) it panics with
// http.ErrAbortHandler instead, which net/http turns into an aborted answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer recoverPanic(w)
	if method, ok := altcraft.MethodOfPath(r.URL.Path); ok {
		if r.Method != http.MethodPost {
			methodNotAllowed(w, http.MethodPost)
			return
		}
		s.serveImport(w, r, method)
		return
	}
	switch r.URL.Path {
	case profilesPath:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		if !s.inspectionAllowed(w, r) {
			return
		}
		writeJSON(w, struct {
			Profiles []Profile `json:"profiles"`
		}{s.Profiles()})
	case statsPath:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		if !s.inspectionAllowed(w, r) {
			return
		}
		writeJSON(w, s.Stats())
	default:
		writeJSONError(w, http.StatusNotFound, "Unknown path "+r.URL.Path)
	}
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSONError(w, http.StatusMethodNotAllowed, "Method not allowed, use "+allow)
}

// recoverPanic turns a bug into a 500 answer instead of a dropped
// connection and a log line; an intended abort passes through.
func recoverPanic(w http.ResponseWriter) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	writeJSONError(w, http.StatusInternalServerError, fmt.Sprintf("sandbox internal error: %v", v))
}

// Profiles returns a copy of every stored profile, in creation order; none
// when Config.Discard is set.
func (s *Server) Profiles() []Profile { return s.store.snapshot() }

// Stats returns the request counters so far.
func (s *Server) Stats() Stats {
	return Stats{
		Requests: s.requests.Load(),
		Created:  s.created.Load(),
		Updated:  s.updated.Load(),
		Rejected: s.rejected.Load(),
		Faults:   s.faultCount.Load(),
		Replayed: s.replayed.Load(),
		Lost:     s.lost.Load(),
	}
}

// serveImport applies the faults in order — drop, failure, rate limit,
// latency — and then runs the method, once per key when deduplication is on
// (see serveOnce).
func (s *Server) serveImport(w http.ResponseWriter, r *http.Request, method altcraft.Method) {
	s.requests.Add(1)
	if s.injectFault(w) {
		return
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			bodyPool.Put(buf)
		}
	}()
	e := s.readBody(r, buf, method.Batch())
	if !s.sleep(w, r) {
		return
	}
	if e != nil || (s.dedup == nil && s.loser == nil) {
		s.apply(w, r, method, buf.Bytes(), e)
		return
	}
	s.serveOnce(w, r, method, buf.Bytes())
}

// apply runs the method on body (unless reading it failed with e) and
// answers w.
func (s *Server) apply(w http.ResponseWriter, r *http.Request, method altcraft.Method, body []byte, e *apiError) {
	if method.Batch() {
		s.serveBatch(w, r, method.Operation(), body, e)
		return
	}

	var id string
	var created bool
	if e == nil {
		id, created, e = s.importProfile(r, method.Operation(), body)
	}
	switch {
	case e != nil:
		s.rejected.Add(1)
		writeError(w, e)
	case created:
		s.created.Add(1)
		writeSuccess(w, id)
	default:
		s.updated.Add(1)
		writeSuccess(w, id)
	}
}

// injectFault drops the request, fails it or rate-limits it, as the dice
// and the token bucket decide, and reports whether it did. Each fault is
// counted before the client can see it, so a client reading Stats right after
// its failed request finds it there.
func (s *Server) injectFault(w http.ResponseWriter) bool {
	if s.faults.active() {
		switch kind, f := s.faults.decide(); kind {
		case faultDrop:
			s.faultCount.Add(1)
			dropConnection(w)
			return true
		case faultFail:
			s.faultCount.Add(1)
			w.Header()["Content-Type"] = f.ctype
			w.WriteHeader(f.status)
			w.Write(f.body) //nolint:errcheck // the client is gone; nothing to do
			return true
		}
	}
	if ok, retry := s.faults.allow(); !ok {
		s.faultCount.Add(1)
		w.Header()["Retry-After"] = retryAfterHeader(retry)
		writeJSONError(w, http.StatusTooManyRequests, "Too many requests")
		return true
	}
	return false
}

// sleep waits out the configured latency. It reports false when the request
// ended first — the client left or the server is closing — after closing the
// connection rather than letting net/http send an empty 200.
func (s *Server) sleep(w http.ResponseWriter, r *http.Request) bool {
	if s.latency <= 0 {
		return true
	}
	t := time.NewTimer(s.latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		closeConnection(w)
		return false
	}
}

// closeConnection closes the connection of a request that ended before its
// answer, rather than letting net/http send an empty 200.
func closeConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

func retryAfterHeader(seconds int) []string {
	if seconds == 1 {
		return retryAfterOne
	}
	return []string{fmt.Sprint(seconds)}
}

// dropConnection closes the client's connection without writing anything.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// tokenOK reports whether token is accepted, in constant time.
func (s *Server) tokenOK(token string) bool {
	if s.token == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.token)) == 1
}

func (s *Server) dbExists(id int) bool {
	if s.dbs == nil {
		return id > 0
	}
	return s.dbs[id]
}

func (s *Server) resourceExists(id int) bool {
	if s.resources == nil {
		return id > 0
	}
	return s.resources[id]
}

func dbNotFound(id int) *apiError { return notFound(altcraft.DatabaseNotFoundText(id)) }

func resourceNotFound(id int) *apiError { return notFound(fmt.Sprintf("Resource %d not found", id)) }
