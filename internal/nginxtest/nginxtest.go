// Package nginxtest runs a real nginx on 127.0.0.1 in front of a test's API
// server, the way a platform is deployed: TLS from a certificate authority made
// for the run, an optional limit_req rate limit, keep-alive, and an upstream
// that can be switched off and on with `nginx -s reload` to make outages.
// Tests and benchmarks of the network behaviour use it.
package nginxtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// Config shapes the nginx in front of the upstream. Zero values are noted.
type Config struct {
	// Upstream is the API server's address, host:port on 127.0.0.1.
	Upstream string
	// LimitRPS, when positive, limits requests to the API with limit_req at
	// this many a second (token bucket of Burst, nodelay), answering 429.
	LimitRPS int
	// Burst is limit_req's burst; 0 means LimitRPS/10 (a tenth of a second).
	Burst int
	// CertHosts are the names and IPs the server certificate is valid for;
	// nil means localhost and 127.0.0.1.
	CertHosts []string
	// KeepaliveTimeout is how long nginx keeps an idle client connection; 0: 75 s.
	KeepaliveTimeout time.Duration
	// AccessLog keeps a log of each request's time and status (see Requests).
	AccessLog bool
	// ClientMaxBodySize is client_max_body_size in bytes: a larger request
	// body is answered 413. 0 leaves nginx's default, 1 MiB, as most
	// deployments do.
	ClientMaxBodySize int64
}

// Server is a running nginx.
type Server struct {
	// URL is the TLS listener, https://127.0.0.1:PORT.
	URL string
	// HTTPURL is a plain-http listener in front of the same upstream.
	HTTPURL string
	// CAPEM is the certificate authority that signed the server's certificate;
	// CAFile holds it on disk; Roots is a pool holding it alone.
	CAPEM  []byte
	CAFile string
	Roots  *x509.CertPool

	bin, dir string
	cfg      Config
	tlsPort  int
	httpPort int
	deadPort int // an address nothing listens on: the switched-off upstream
	up       bool
	gen      int
	cmd      *exec.Cmd
	exited   chan error
}

// Binary finds nginx on PATH or where Debian installs it.
func Binary() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("nginx not found on PATH nor in /usr/sbin (Debian: apt-get install nginx)")
}

// New starts nginx for a test and stops it when the test ends. Without nginx
// the test is skipped, except under CI=true, where it fails: CI installs nginx
// (.ci/run), so a missing one there is a broken CI, not a reason to skip.
func New(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true: %v", err)
		}
		tb.Skipf("%v; skipping (under CI=true this fails)", err)
	}
	s, err := Start(bin, tb.TempDir(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// Start runs nginx (bin) with its prefix, configuration, certificates and logs in dir.
func Start(bin, dir string, cfg Config) (*Server, error) {
	s := &Server{bin: bin, dir: dir, cfg: cfg, up: true}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := s.makeCerts(); err != nil {
		return nil, err
	}
	for _, sub := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	var lastErr error
	for range 3 { // a port picked free may be taken before nginx binds it
		ports, err := freePorts(3)
		if err != nil {
			return nil, err
		}
		s.tlsPort, s.httpPort, s.deadPort = ports[0], ports[1], ports[2]
		s.URL = "https://127.0.0.1:" + strconv.Itoa(s.tlsPort)
		s.HTTPURL = "http://127.0.0.1:" + strconv.Itoa(s.httpPort)
		if lastErr = s.start(); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

func (s *Server) start() error {
	if err := s.writeConf(); err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "-p", s.dir, "-c", s.conf(), "-e", filepath.Join(s.dir, "logs", "error.log"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start nginx: %w", err)
	}
	s.cmd, s.exited = cmd, make(chan error, 1)
	go func() { s.exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exited:
			return fmt.Errorf("nginx exited at start (%v): %s%s", err, out.String(), s.errorLog())
		default:
		}
		if s.generation() == s.gen {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("nginx did not answer within 10 s: %s", s.errorLog())
}

// SetUpstream switches the upstream on or off with `nginx -s reload`, and
// returns once the new configuration answers. Off, nginx proxies to an
// address where nothing listens and answers 502, as in front of a crashed API;
// connections kept alive by the old workers are closed as they go idle.
func (s *Server) SetUpstream(on bool) error {
	s.up = on
	return s.Reload()
}

// Reload rewrites the configuration and reloads nginx gracefully.
func (s *Server) Reload() error {
	s.gen++
	if err := s.writeConf(); err != nil {
		return err
	}
	out, err := exec.Command(s.bin, "-p", s.dir, "-c", s.conf(), "-e", filepath.Join(s.dir, "logs", "error.log"), "-s", "reload").CombinedOutput()
	if err != nil {
		return fmt.Errorf("nginx -s reload: %v: %s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s.generation() == s.gen {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("nginx did not take the new configuration within 10 s: %s", s.errorLog())
}

// Stop shuts nginx down (fast: SIGTERM) and waits for it.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	cmd := s.cmd
	s.cmd = nil
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
		return fmt.Errorf("nginx did not stop within 10 s; killed")
	}
	return nil
}

// Request is one line of the access log: when nginx answered, with what status.
type Request struct {
	At     time.Time
	Status int
}

// Requests reads the access log (Config.AccessLog) so far.
func (s *Server) Requests() ([]Request, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, "logs", "access.log"))
	if err != nil {
		return nil, err
	}
	var out []Request
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		sec, err1 := strconv.ParseFloat(f[0], 64)
		status, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, Request{At: time.UnixMilli(int64(sec * 1000)), Status: status})
	}
	return out, nil
}

// ErrorLog is nginx's error log so far, for a failing test's message.
func (s *Server) ErrorLog() string { return s.errorLog() }

func (s *Server) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "logs", "error.log"))
	return string(b)
}

func (s *Server) conf() string { return filepath.Join(s.dir, "nginx.conf") }

// generation asks nginx which configuration answers new connections.
func (s *Server) generation() int {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(s.HTTPURL + "/__generation")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return n
}

var confTemplate = template.Must(template.New("nginx.conf").Parse(`# written by nginxtest
{{if .Root}}user root root;
{{end}}worker_processes 1;
pid {{.Dir}}/nginx.pid;
daemon off;
error_log {{.Dir}}/logs/error.log warn;
events { worker_connections 1024; }
http {
{{if .AccessLog}}    log_format times '$msec $status';
    access_log {{.Dir}}/logs/access.log times;
{{else}}    access_log off;
{{end}}
    default_type application/json;
    client_body_temp_path {{.Dir}}/tmp/body;
    proxy_temp_path {{.Dir}}/tmp/proxy;
    fastcgi_temp_path {{.Dir}}/tmp/fastcgi;
    uwsgi_temp_path {{.Dir}}/tmp/uwsgi;
    scgi_temp_path {{.Dir}}/tmp/scgi;
    keepalive_timeout {{.Keepalive}};
    keepalive_requests 100000;
{{if .MaxBody}}    client_max_body_size {{.MaxBody}};
{{end}}{{if .Limit}}    limit_req_zone $binary_remote_addr zone=api:1m rate={{.Limit}}r/s;
    limit_req_status 429;
{{end}}    upstream api {
        server {{.Upstream}};
        keepalive 64;
    }
    server {
        listen 127.0.0.1:{{.TLSPort}} ssl;
        listen 127.0.0.1:{{.HTTPPort}};
        ssl_certificate {{.Dir}}/server.pem;
        ssl_certificate_key {{.Dir}}/server.key;
        location = /__generation { access_log off; return 200 "{{.Gen}}"; }
        location / {
{{if .Limit}}            limit_req zone=api burst={{.Burst}} nodelay;
{{end}}            proxy_pass http://api;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
        }
    }
}
`))

func (s *Server) writeConf() error {
	upstream := s.cfg.Upstream
	if !s.up {
		upstream = "127.0.0.1:" + strconv.Itoa(s.deadPort)
	}
	burst := s.cfg.Burst
	if burst == 0 {
		burst = max(1, s.cfg.LimitRPS/10)
	}
	keepalive := "75s"
	if s.cfg.KeepaliveTimeout > 0 {
		keepalive = strconv.Itoa(max(1, int(s.cfg.KeepaliveTimeout/time.Millisecond))) + "ms"
	}
	var b bytes.Buffer
	err := confTemplate.Execute(&b, map[string]any{
		"Root": os.Geteuid() == 0, "Dir": s.dir, "Keepalive": keepalive,
		"Limit": s.cfg.LimitRPS, "Burst": burst, "Upstream": upstream,
		"TLSPort": s.tlsPort, "HTTPPort": s.httpPort, "Gen": s.gen, "AccessLog": s.cfg.AccessLog,
		"MaxBody": s.cfg.ClientMaxBodySize,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(s.conf(), b.Bytes(), 0o644)
}

// makeCerts makes a CA and a server certificate it signs, valid for CertHosts.
func (s *Server) makeCerts() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "nginxtest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	hosts := s.cfg.CertHosts
	if hosts == nil {
		hosts = []string{"localhost", "127.0.0.1"}
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	s.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	s.CAFile = filepath.Join(s.dir, "ca.pem")
	s.Roots = x509.NewCertPool()
	s.Roots.AddCert(caCert)
	files := map[string][]byte{
		s.CAFile:                           s.CAPEM,
		filepath.Join(s.dir, "server.pem"): pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		filepath.Join(s.dir, "server.key"): pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	for p, b := range files {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// TLSConfig trusts the server's CA, for a test's own client.
func (s *Server) TLSConfig() *tls.Config { return &tls.Config{RootCAs: s.Roots} }

// freePorts returns n ports free on 127.0.0.1 a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
