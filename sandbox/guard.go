package sandbox

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/acimport/acimport/internal/altcraft"
)

// The sandbox holds customers' data during rehearsals, so it guards it: with a token, the
// inspection endpoints want it too; without one, it serves only this machine unless told not to.

// ErrPublic is returned by CheckListen when a sandbox without a token would listen where other
// machines can reach it.
var ErrPublic = errors.New("the sandbox would serve other machines without a token")

// CheckListen refuses to serve a non-loopback address without a token unless public is set:
// anyone who can reach the port could read every profile from GET /sandbox/profiles.
func CheckListen(addr, token string, public bool) error {
	if token != "" || public {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", addr, err)
	}
	if altcraft.IsLoopback(host) {
		return nil
	}
	return fmt.Errorf("%w: --listen %s can be reached from other machines, and /sandbox/profiles would show them every imported profile; "+
		"give --token TOKEN (the inspection endpoints then need it as a Bearer header), listen on 127.0.0.1, or pass --public if that is what you want", ErrPublic, addr)
}

// inspectionAllowed: without Config.Token anyone may inspect; with it, the request must carry it
// as "Authorization: Bearer TOKEN". A refusal is answered here.
func (s *Server) inspectionAllowed(w http.ResponseWriter, r *http.Request) bool {
	if s.token == "" {
		return true
	}
	token := bearerToken(r.Header["Authorization"])
	if token != "" && s.tokenOK(token) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="acimport sandbox"`)
	if token == "" {
		writeJSONError(w, http.StatusUnauthorized, "API token required: send it as Authorization: Bearer TOKEN")
	} else {
		writeJSONError(w, http.StatusForbidden, "Invalid token")
	}
	return false
}
