package altcraft

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

type connSeen struct{}

// A request resent after its kept-alive connection closed once it had been read (a server that
// applies and then drops the connection) is counted, and marked Ambiguous: it may have been applied.
func TestResendCountedAndAmbiguous(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Context().Value(connSeen{}).(*atomic.Int64).Add(1) == 2 {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		w.Write([]byte(`{"error":0,"error_text":"Successful","profile_id":"p1"}`))
	}))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connSeen{}, new(atomic.Int64))
	}
	srv.Start()
	defer srv.Close()
	c, err := NewClient(Options{URL: srv.URL, Token: "t", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Method: MethodImport, Body: []byte(`{"db_id":1}`)}
	if res := c.Send(context.Background(), req); res.Kind != OK || res.Resends != 0 || res.Ambiguous {
		t.Fatalf("first request: %+v", res)
	}
	res := c.Send(context.Background(), req)
	if res.Kind != OK || res.Resends != 1 || !res.Ambiguous {
		t.Fatalf("second request, dropped once read: %+v; want OK after 1 resend, Ambiguous", res)
	}
}
