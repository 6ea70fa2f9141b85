package sandbox

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The platform deduplicates the requests that change data (altcraft-api.md,
// "Deduplication of requests"): a repeat of a request within a window — one
// day by default — is answered with the first request's answer plus
// Duplicate-Request: true and Duplicate-Key, and is not applied again. The
// sandbox does the same for the six import methods.

// DefaultDedupWindow is the platform's default deduplication window
// (API_DEDUPLICATION_LIVE_TIME_SEC 86400); Config.DedupWindow 0 means it.
const DefaultDedupWindow = 24 * time.Hour

// DefaultDedupMaxBytes bounds the memory of the remembered answers when
// Config.DedupMaxBytes is 0: about a million single-profile requests.
const DefaultDedupMaxBytes = 256 << 20

// memoOverhead is what a remembered request costs besides its answer's body:
// the map entry, the memo and its place in the expiry queue, measured with
// BenchmarkDedupMemory (about 200 bytes) and rounded up.
const memoOverhead = 256

// Header names of a replayed answer and of the request's own key.
const (
	headerRequestID    = "Request-Id" // canonical form of Request-ID
	headerDuplicate    = "Duplicate-Request"
	headerDuplicateKey = "Duplicate-Key"
)

var duplicateTrue = []string{"true"}

// unkeyedHeaders are left out of a request's checksum: they describe the
// connection (hop by hop, RFC 9110 7.6.1) or the moment of sending, not the
// request, and a client or a proxy may vary them between two sends of the
// same request. Every other header counts: any header that differs (an
// X-Request-ID, a User-Agent) makes a new key, as on the platform.
var unkeyedHeaders = map[string]bool{
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Date":                true,
}

// dedupKey identifies a request: a hash of its Request-ID, or the checksum
// of its path, headers and body. 128 bits: no two requests of a rehearsal
// collide.
type dedupKey [16]byte

// requestKey computes r's key and the text of its Duplicate-Key header: the
// Request-ID as sent, else the checksum in hex.
func requestKey(r *http.Request, body []byte) (dedupKey, string) {
	var k dedupKey
	if v := r.Header[headerRequestID]; len(v) > 0 && v[0] != "" {
		sum := sha256.Sum256([]byte("Request-ID\x00" + v[0]))
		copy(k[:], sum[:])
		return k, v[0]
	}
	h := sha256.New()
	h.Write([]byte(r.URL.Path))
	h.Write([]byte{0})
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		if !unkeyedHeaders[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var n [8]byte
	for _, name := range names {
		for _, v := range r.Header[name] {
			h.Write([]byte(name))
			h.Write([]byte{':'})
			binary.BigEndian.PutUint64(n[:], uint64(len(v)))
			h.Write(n[:])
			h.Write([]byte(v))
		}
	}
	h.Write([]byte{0})
	h.Write(body)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	copy(k[:], sum[:])
	return k, hex.EncodeToString(k[:])
}

// memo is one remembered request: in flight until done is closed, then its
// answer (when ok) or nothing (when the request ended without an answer the
// platform would keep, and a waiting repeat must be applied for real).
type memo struct {
	key  dedupKey
	done chan struct{}

	// Set before done is closed, read after.
	ok     bool
	status int
	ctype  []string
	body   []byte
	at     time.Time
}

func (m *memo) size() int64 { return memoOverhead + int64(len(m.body)) }

// dedup remembers the answers of the requests applied within the window.
// Entries expire lazily: each claim first drops those older than the window,
// then the oldest beyond maxBytes.
type dedup struct {
	window   time.Duration
	maxBytes int64
	now      func() time.Time
	// waiting counts the requests waiting for an in-flight one, for tests.
	waiting atomic.Int32

	mu      sync.Mutex
	entries map[dedupKey]*memo
	// queue holds the answered memos in the order they were answered, which
	// is the order they expire in; head is the first still in use.
	queue []*memo
	head  int
	bytes int64
}

// newDedup returns nil when deduplication is off (a negative window).
func newDedup(cfg Config) *dedup {
	if cfg.DedupWindow < 0 {
		return nil
	}
	d := &dedup{
		window:   cfg.DedupWindow,
		maxBytes: cfg.DedupMaxBytes,
		now:      time.Now,
		entries:  make(map[dedupKey]*memo),
	}
	if d.window == 0 {
		d.window = DefaultDedupWindow
	}
	if d.maxBytes <= 0 {
		d.maxBytes = DefaultDedupMaxBytes
	}
	return d
}

// claim looks key up. A new key gets an in-flight memo the caller owns and
// must finish (answer or abandon); owner is then true. Otherwise the memo
// found is returned: answered (a replay) or still in flight (wait on done).
func (d *dedup) claim(key dedupKey) (m *memo, owner bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire()
	if m := d.entries[key]; m != nil {
		return m, false
	}
	m = &memo{key: key, done: make(chan struct{})}
	d.entries[key] = m
	return m, true
}

// answer remembers the owner's answer and wakes the requests waiting for it.
func (d *dedup) answer(m *memo, status int, ctype []string, body []byte) {
	m.ok, m.status, m.ctype = true, status, ctype
	m.body = append([]byte(nil), body...)
	d.mu.Lock()
	m.at = d.now()
	d.queue = append(d.queue, m)
	d.bytes += m.size()
	done := m.done
	m.done = nil // a remembered answer keeps no channel
	d.mu.Unlock()
	close(done)
}

// abandon forgets an in-flight request that got no answer to remember: a
// request waiting for it is then applied for real.
func (d *dedup) abandon(m *memo) {
	d.mu.Lock()
	if d.entries[m.key] == m {
		delete(d.entries, m.key)
	}
	done := m.done
	m.done = nil
	d.mu.Unlock()
	close(done)
}

// wait returns the channel to wait on for an in-flight m, or nil when m is
// already answered.
func (d *dedup) wait(m *memo) chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return m.done
}

// expire drops the answers older than the window, then the oldest while the
// total is above maxBytes. Called with mu held.
func (d *dedup) expire() {
	cutoff := d.now().Add(-d.window)
	for d.head < len(d.queue) {
		m := d.queue[d.head]
		if !m.at.Before(cutoff) && d.bytes <= d.maxBytes {
			break
		}
		if d.entries[m.key] == m {
			delete(d.entries, m.key)
		}
		d.bytes -= m.size()
		d.queue[d.head] = nil
		d.head++
	}
	// Reuse the queue's front once half of it is spent.
	if d.head > 1024 && d.head*2 >= len(d.queue) {
		n := copy(d.queue, d.queue[d.head:])
		clear(d.queue[n:])
		d.queue = d.queue[:n]
		d.head = 0
	}
}

// remembered reports how many answers are kept and their estimated bytes.
func (d *dedup) remembered() (n int, bytes int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queue) - d.head, d.bytes
}
