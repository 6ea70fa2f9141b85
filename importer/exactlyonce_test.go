package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/mapping"
	"github.com/acimport/acimport/sandbox"
)

// The loyalty analyst's file of issue 18: each row credits a member's points.
const pointsMapping = "db_id: 1\nfields:\n  email: { column: Email, type: email }\n  Points: { column: Points, type: int, action: incr }\n"
const pointsSetMapping = "db_id: 1\nfields:\n  email: { column: Email, type: email }\n  Points: { column: Points, type: int }\n"

// pointsFile writes n members, member i credited 1+i%7 points.
func pointsFile(t *testing.T, dir string, n int) (string, map[string]int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Email,Points\n")
	want := map[string]int{}
	for i := range n {
		email := fmt.Sprintf("m%d@example.com", i)
		want[email] = 1 + i%7
		fmt.Fprintf(&b, "%s,%d\n", email, want[email])
	}
	path := filepath.Join(dir, "points.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, want
}

// importPoints imports path with the mapping m into url.
func importPoints(t *testing.T, url, path, m string, tweak func(*Config)) (*Summary, string, error) {
	t.Helper()
	mp, err := mapping.Parse(strings.NewReader(m), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cfg := Config{
		Mapping: mp, Files: []string{path}, Stderr: &stderr,
		URL: url, Token: testToken, Workers: 8, Retries: 5, Timeout: 5 * time.Second,
		ResultsPath: filepath.Join(filepath.Dir(path), "results.csv"),
		tuning:      send.Tuning{Backoff: send.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond, RetryAfterMax: 5 * time.Millisecond}, BlipMin: time.Hour},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	sum, err := Import(context.Background(), cfg)
	return sum, stderr.String(), err
}

// points is each stored member's Points.
func points(t *testing.T, s *sandbox.Server) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, p := range s.Profiles() {
		v, _ := strconv.Atoi(fmt.Sprint(p.Data["Points"]))
		got[fmt.Sprint(p.Data["email"])] = v
	}
	return got
}

// stampingProxy stands in front of the platform as a proxy that stamps every
// request it forwards (nginx's X-Request-Start "t=${msec}", a load balancer's
// trace header): the platform's checksum of a request without Request-ID then
// differs between a request and its retry, and only the id makes them one.
func stampingProxy(t *testing.T, platform string) string {
	t.Helper()
	u, _ := url.Parse(platform)
	var n atomic.Int64
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Header.Set("X-Request-Start", fmt.Sprintf("t=%d.%d", time.Now().UnixNano(), n.Add(1)))
	}}
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) }
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Issue 18, items 1 and 2: answers lost after the platform applied the
// request (a timeout shorter than the answer, a proxy's 502), per row and in
// batches, behind a proxy that stamps requests: every member is credited
// exactly once, the retries are answered as replays and counted.
func TestLostAnswersApplyOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		batch int
	}{{"per row", 1}, {"batch 50", 50}} {
		t.Run(tc.name, func(t *testing.T) {
			sb, err := sandbox.Start("", sandbox.Config{LoseRate: 0.2, Seed: 18})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			path, want := pointsFile(t, t.TempDir(), 600)
			sum, stderr, err := importPoints(t, stampingProxy(t, sb.URL), path, pointsMapping, func(c *Config) { c.Batch = tc.batch })
			if err != nil || sum.Status != StatusImported {
				t.Fatalf("err %v, summary %+v\n%s", err, sum, stderr)
			}
			got := points(t, sb.Server)
			wrong := 0
			for email, w := range want {
				if got[email] != w {
					wrong++
				}
			}
			if wrong > 0 || len(got) != len(want) {
				t.Errorf("%d of %d balances wrong (%d profiles stored); the sandbox lost %d answers", wrong, len(want), len(got), sb.Server.Stats().Lost)
			}
			if sb.Server.Stats().Lost == 0 || sum.Replayed == 0 || sum.InDoubt != 0 {
				t.Errorf("lost %d answers; summary replayed %d, in_doubt %d: want replayed > 0 and nothing in doubt", sb.Server.Stats().Lost, sum.Replayed, sum.InDoubt)
			}
			if !strings.Contains(stderr, fmt.Sprintf("replayed  %d", sum.Replayed)) {
				t.Errorf("the human summary does not show the replays:\n%s", stderr)
			}
		})
	}
}

// Platforms without deduplication: a lost answer's retry is applied again.
// Every such row — and only those — is counted in_doubt, marked in the results
// file, and the summary says what it means.
func TestInDoubtWithoutDedup(t *testing.T) {
	sb, err := sandbox.Start("", sandbox.Config{LoseRate: 0.2, Seed: 7, DedupWindow: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	path, want := pointsFile(t, dir, 400)
	sum, stderr, err := importPoints(t, sb.URL, path, pointsMapping, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	lost := sb.Server.Stats().Lost
	if lost == 0 || sum.InDoubt != lost || sum.Replayed != 0 {
		t.Errorf("%d answers lost; in_doubt %d (want %d), replayed %d", lost, sum.InDoubt, lost, sum.Replayed)
	}
	got := points(t, sb.Server)
	results, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	marked := map[int]bool{}
	for _, l := range strings.Split(string(results), "\n") {
		f := strings.Split(l, ",")
		if len(f) == 8 && f[7] == "yes" { // file,line,status,profile_id,code,attempts,skipped,in_doubt
			line, _ := strconv.Atoi(f[1])
			marked[line] = true
		}
	}
	for i := range 400 {
		email := fmt.Sprintf("m%d@example.com", i)
		twice := got[email] == 2*want[email]
		if twice != marked[i+2] {
			t.Errorf("line %d: stored %d for %d, marked in doubt %v", i+2, got[email], want[email], marked[i+2])
		}
	}
	if int64(len(marked)) != lost {
		t.Errorf("%d rows marked in doubt, %d lost answers", len(marked), lost)
	}
	if !strings.Contains(stderr, "in doubt  "+strconv.FormatInt(lost, 10)) || !strings.Contains(stderr, "in_doubt=yes") {
		t.Errorf("the summary does not explain the rows in doubt:\n%s", stderr)
	}
	// A set-only mapping is harmless twice: nothing in doubt.
	sb2, _ := sandbox.Start("", sandbox.Config{LoseRate: 0.2, Seed: 7, DedupWindow: -1})
	defer sb2.Close()
	sum, _, err = importPoints(t, sb2.URL, path, pointsSetMapping, nil)
	if err != nil || sum.InDoubt != 0 {
		t.Errorf("set mapping: in_doubt %d (%v)", sum.InDoubt, err)
	}
}

// Issue 18, item 7: a set-only file imported again within the platform's
// deduplication window is applied again — a new import, new request ids —
// not answered from the dedup store.
func TestReimportWithinADayIsApplied(t *testing.T) {
	sb, err := sandbox.Start("", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	path, want := pointsFile(t, t.TempDir(), 20)
	if sum, stderr, err := importPoints(t, sb.URL, path, pointsSetMapping, nil); err != nil || sum.Imported != 20 {
		t.Fatalf("first run: %v %+v\n%s", err, sum, stderr)
	}
	// Meanwhile the platform's values change (another system, an operator).
	for email := range want {
		body := fmt.Sprintf(`{"token":"t","db_id":1,"email":%q,"data":{"email":%q,"Points":999}}`, email, email)
		resp, err := http.Post(sb.URL+"/api/v1.1/profiles/import", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	sum, stderr, err := importPoints(t, sb.URL, path, pointsSetMapping, nil)
	if err != nil || sum.Status != StatusImported {
		t.Fatalf("second run: %v %+v\n%s", err, sum, stderr)
	}
	got := points(t, sb.Server)
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%s: %d after the re-import, want the file's %d (replayed %d)", email, got[email], w, sum.Replayed)
		}
	}
	if sum.Replayed != 0 {
		t.Errorf("the re-import was replayed %d times", sum.Replayed)
	}
}

// Issue 18, item 5: the API "looks down" — no answer to any request — but the
// platform had applied the first one. The state is kept, the advice names
// --resume, and that resume, with the same request ids, credits the member
// once.
func TestNothingImportedButMaybeApplied(t *testing.T) {
	sb, err := sandbox.Start("", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var first atomic.Bool
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first.CompareAndSwap(false, true) {
			rec := httptest.NewRecorder()
			sb.Server.ServeHTTP(rec, r) // applied; the answer is lost
		}
		hj, _ := w.(http.Hijacker)
		c, _, _ := hj.Hijack()
		c.Close()
	}))
	defer down.Close()
	dir := t.TempDir()
	path, want := pointsFile(t, dir, 5)
	tweak := func(c *Config) {
		c.Workers = 1
		c.tuning.MaxFailStreak = 4
		c.Commands = Commands{Again: "acimport import again", Resume: "acimport import --resume"}
	}
	sum, stderr, err := importPoints(t, down.URL, path, pointsMapping, tweak)
	var de *send.APIDownError
	if !errors.As(err, &de) || sum.Imported != 0 {
		t.Fatalf("want the API-down stop with nothing imported: %v %+v\n%s", err, sum, stderr)
	}
	state := filepath.Join(dir, "points.rejects.state")
	if _, serr := os.Stat(state); serr != nil || strings.Contains(stderr, "no state is kept") || !strings.Contains(stderr, "acimport import --resume") {
		t.Fatalf("the state of a run whose request may have been applied was not kept for --resume (%v):\n%s", serr, stderr)
	}
	sum, stderr, err = importPoints(t, sb.URL, path, pointsMapping, func(c *Config) { tweak(c); c.Resume = true })
	if err != nil || sum.Imported != 5 {
		t.Fatalf("--resume: %v %+v\n%s", err, sum, stderr)
	}
	got := points(t, sb.Server)
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%s: %d, want %d", email, got[email], w)
		}
	}
	if sum.Replayed != 1 {
		t.Errorf("replayed %d, want the one applied request", sum.Replayed)
	}

}

// recSender records every request and answers batches with success, until
// refuseFrom requests, which it answers 401 (the run stops, resumable).
type recSender struct {
	mu         sync.Mutex
	reqs       []altcraft.Request
	refuseFrom int
}

func (s *recSender) Send(_ context.Context, r altcraft.Request) altcraft.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Body = bytes.Clone(r.Body)
	s.reqs = append(s.reqs, r)
	if s.refuseFrom > 0 && len(s.reqs) >= s.refuseFrom {
		return altcraft.Result{Kind: altcraft.Fatal, Err: &altcraft.APIError{Code: 401, Text: "token"}}
	}
	if !r.Method.Batch() {
		return altcraft.Result{Kind: altcraft.OK, ProfileID: "p"}
	}
	items := make([]altcraft.ItemResult, r.Items)
	for i := range items {
		items[i] = altcraft.ItemResult{Kind: altcraft.OK, ProfileID: "p"}
	}
	return altcraft.Result{Kind: altcraft.OK, Items: items}
}

// A batch the run sent and never settled is re-sent by --resume before any
// other row, as it was — its rows, its body, its id — even when the resumed run
// sends one row a request; every other row then carries its own id, made of
// the same import id.
func TestResumeResendsTheRecordedBatch(t *testing.T) {
	dir := t.TempDir()
	path, _ := pointsFile(t, dir, 100)
	first := &recSender{refuseFrom: 3}
	_, stderr, err := importPoints(t, "http://127.0.0.1:1", path, pointsMapping, func(c *Config) { c.Sender, c.Batch, c.Workers = first, 10, 1 })
	if err == nil {
		t.Fatalf("the first run did not stop\n%s", stderr)
	}
	refused := first.reqs[len(first.reqs)-1]
	if refused.ID == "" || !strings.HasSuffix(refused.ID, "+10") {
		t.Fatalf("the batch's id %q", refused.ID)
	}
	again := &recSender{}
	sum, stderr, err := importPoints(t, "http://127.0.0.1:1", path, pointsMapping, func(c *Config) { c.Sender, c.Workers, c.Resume = again, 1, true })
	if err != nil || sum.Imported != 100 {
		t.Fatalf("--resume: %v %+v\n%s", err, sum, stderr)
	}
	r := again.reqs[0]
	if r.ID != refused.ID || !bytes.Equal(r.Body, refused.Body) || r.Method != refused.Method || r.Items != 10 {
		t.Errorf("first request of --resume: %s %q (%d items), want the batch %s %q as it was", r.Method, r.ID, r.Items, refused.Method, refused.ID)
	}
	importID, _, _ := strings.Cut(refused.ID, "-")
	if n := len(again.reqs); n != 1+100-30 {
		t.Errorf("%d requests after the batch, want one a row for the 60 rows never sent", n-1)
	}
	for _, q := range again.reqs[1:] {
		if q.Method.Batch() || !strings.HasPrefix(q.ID, importID+"-0-") {
			t.Errorf("a row sent as %s with id %q, want one row with an id of import %s", q.Method, q.ID, importID)
			break
		}
	}
}

// Answers lost by the platform itself, no proxy between: the connection closes
// after a batch's body was written whole, with no answer. That is not a proxy's
// body limit (issue 23 splits batches cut off while sent) but a batch the
// platform may have applied: it goes again as it was, and is answered as a
// replay, rather than split into halves with new ids that would be applied again.
func TestLostBatchAnswersNotTakenForBodyLimits(t *testing.T) {
	// 8 batches of 50 for 8 workers: each goes on a connection of its own, before any
	// body passed, where a closed connection could be taken for a body limit.
	for seed := int64(1); seed <= 6; seed++ {
		sb, err := sandbox.Start("", sandbox.Config{LoseRate: 0.3, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		path, want := pointsFile(t, t.TempDir(), 400)
		sum, stderr, err := importPoints(t, sb.URL, path, pointsMapping, func(c *Config) { c.Batch, c.Workers = 50, 8 })
		if err != nil || sum.Status != StatusImported {
			t.Fatalf("seed %d: err %v, summary %+v\n%s", seed, err, sum, stderr)
		}
		got := points(t, sb.Server)
		wrong := 0
		for email, w := range want {
			if got[email] != w {
				wrong++
			}
		}
		if lost := sb.Server.Stats().Lost; wrong > 0 || sum.Replayed != lost || sum.BatchByteCap != 0 {
			t.Errorf("seed %d: %d of %d balances wrong; %d answers lost, replayed %d, byte cap %d (no body limit here)\n%s",
				seed, wrong, len(want), lost, sum.Replayed, sum.BatchByteCap, stderr)
		}
		sb.Close()
	}
}
