package importer

import (
	"crypto/x509"
	"net/url"
	"os"

	"github.com/acimport/acimport/internal/altcraft"
)

// LoadCAFile returns the system's trusted CAs plus those in a PEM file, for
// on-premises platforms whose certificates come from their own authority.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, errorf(ErrUsage, "read --ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errorf(ErrUsage, "--ca-file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// CheckURL accepts https, and plain http only to this machine (the sandbox)
// unless insecure: over plain http the token and the customers' data would
// cross the network readable by anyone on the way.
func CheckURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return Mark(ErrUsage, &altcraft.URLError{URL: raw})
	}
	if u.User != nil {
		return errorf(ErrUsage, "--url must not hold credentials: the token comes from ALTCRAFT_TOKEN or --token-file")
	}
	if u.Scheme == "http" && !insecure && !altcraft.IsLoopback(u.Hostname()) {
		return errorf(ErrUsage, "--url %s is plain http: the API token and your customers' data would travel unencrypted; use https, or --insecure-http if you must", u.Redacted())
	}
	return nil
}
