package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// shutdownGrace is how long Close waits for requests in flight before it
// cuts their connections.
const shutdownGrace = 5 * time.Second

// Instance is a sandbox listening on a TCP address.
type Instance struct {
	// URL is the base URL to give a client, "http://127.0.0.1:PORT".
	URL string
	// Server is the handler behind the listener, for Profiles and Stats.
	Server *Server

	srv    *http.Server
	done   chan error
	cancel context.CancelFunc
}

// Start listens on addr ("127.0.0.1:0" picks a free port; "" means that) and
// serves a New(cfg) server until Close.
func Start(addr string, cfg Config) (*Instance, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := New(cfg)
	// Requests derive their context from base, so that Close can end the ones
	// still sleeping in Latency when the grace period runs out.
	base, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	i := &Instance{
		URL:    "http://" + ln.Addr().String(),
		Server: s,
		srv:    srv,
		done:   make(chan error, 1),
		cancel: cancel,
	}
	go func() { i.done <- srv.Serve(ln) }()
	return i, nil
}

// Close stops accepting connections, waits up to five seconds for requests in
// flight to finish, then closes whatever is left: a request still sleeping in
// Config.Latency then loses its connection without an answer.
func (i *Instance) Close() error {
	ctx, stop := context.WithTimeout(context.Background(), shutdownGrace)
	defer stop()
	err := i.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		i.cancel()
		err = i.srv.Close()
	}
	i.cancel()
	if serveErr := <-i.done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}
