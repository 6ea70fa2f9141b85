package altcraft

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// certMaker issues test certificates.
type certMaker struct {
	t      *testing.T
	serial int64
}

type issued struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// issue makes a certificate for cn valid from nb to na, signed by parent (nil: self-signed).
func (m *certMaker) issue(cn string, ca bool, nb, na time.Time, parent *issued, tweak func(*x509.Certificate)) *issued {
	m.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		m.t.Fatal(err)
	}
	m.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(m.serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: nb, NotAfter: na, BasicConstraintsValid: true, IsCA: ca,
	}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	if tweak != nil {
		tweak(tmpl)
	}
	signer, signKey := tmpl, key
	if parent != nil {
		signer, signKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		m.t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &issued{cert: c, key: key}
}

// Item 5 of issue 23: every TLS failure got "not trusted … give its certificate with --ca-file",
// an expired certificate and a missing intermediate (with --ca-file given) too. Each cause has
// its own advice.
func TestTLSAdviceByCause(t *testing.T) {
	m := &certMaker{t: t}
	now := time.Now()
	good := func() (time.Time, time.Time) { return now.Add(-time.Hour), now.Add(24 * time.Hour) }
	nb, na := good()
	root := m.issue("Test Root", true, nb, na, nil, nil)
	inter := m.issue("Test Intermediate", true, nb, na, root, nil)
	rootPool := x509.NewCertPool()
	rootPool.AddCert(root.cert)

	tests := []struct {
		Name  string
		Chain []*issued // what the server sends, leaf first
		Roots *x509.CertPool
		Want  []string
		Not   []string
	}{
		{Name: "expired", Roots: rootPool,
			Chain: []*issued{m.issue("leaf", false, now.AddDate(-1, 0, 0), now.AddDate(0, 0, -2), root, nil)},
			Want:  []string{"expired on " + now.AddDate(0, 0, -2).UTC().Format("2006-01-02"), "--ca-file cannot help", "renew"}},
		{Name: "not yet valid", Roots: rootPool,
			Chain: []*issued{m.issue("leaf", false, now.AddDate(0, 0, 3), now.AddDate(1, 0, 0), root, nil)},
			Want:  []string{"not valid yet", "valid from " + now.AddDate(0, 0, 3).UTC().Format("2006-01-02"), "clock", "--ca-file cannot help"}},
		{Name: "missing intermediate, --ca-file given", Roots: rootPool,
			Chain: []*issued{m.issue("leaf", false, nb, na, inter, nil)},
			Want:  []string{`issued by "CN=Test Intermediate"`, "nor in --ca-file", "intermediate", "whole chain"}},
		{Name: "missing intermediate of a public authority",
			Chain: []*issued{m.issue("leaf", false, nb, na, inter, func(c *x509.Certificate) {
				c.IssuingCertificateURL = []string{"http://ca.example/inter.crt"}
			})},
			Want: []string{"intermediate", "whole chain"}},
		{Name: "unknown authority",
			Chain: []*issued{m.issue("leaf", false, nb, na, root, nil)},
			Want:  []string{"not trusted", `issued by "CN=Test Root"`, "give its certificate with --ca-file"}, Not: []string{"intermediate"}},
		{Name: "unknown authority, chain sent",
			Chain: []*issued{m.issue("leaf", false, nb, na, inter, nil), inter},
			Want:  []string{"not trusted", "give its certificate with --ca-file"}, Not: []string{"intermediate"}},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			cert := tls.Certificate{PrivateKey: tc.Chain[0].key}
			for _, c := range tc.Chain {
				cert.Certificate = append(cert.Certificate, c.cert.Raw)
			}
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the test's point
			srv.StartTLS()
			defer srv.Close()
			c, err := NewClient(Options{URL: srv.URL, Token: "t", Timeout: 5 * time.Second, RootCAs: tc.Roots})
			if err != nil {
				t.Fatal(err)
			}
			res := c.Send(context.Background(), Request{Method: MethodImport, Body: []byte(`{"db_id":1}`)})
			if res.Kind != Fatal || res.Err == nil {
				t.Fatalf("result %+v: want a run-wide stop", res)
			}
			msg := res.Err.Error()
			for _, w := range tc.Want {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q:\n%s", w, msg)
				}
			}
			for _, n := range tc.Not {
				if strings.Contains(msg, n) {
					t.Errorf("message has %q:\n%s", n, msg)
				}
			}
		})
	}
}
