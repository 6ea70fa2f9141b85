package importer

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// LoadCAFile returns the system's trusted CAs plus those in a PEM file, for
// on-premises platforms whose certificates come from their own authority.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: read --ca-file: %w", ErrUsage, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w: --ca-file %s holds no PEM certificate", ErrUsage, path)
	}
	return pool, nil
}

// CheckURL accepts https, and plain http only to this machine (the sandbox)
// unless insecure: over plain http the token and the customers' data would
// cross the network readable by anyone on the way.
func CheckURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%w: --url %q is not a base URL such as https://example.com", ErrUsage, raw)
	}
	if u.User != nil {
		return fmt.Errorf("%w: --url must not hold credentials: the token comes from ALTCRAFT_TOKEN or --token-file", ErrUsage)
	}
	if u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%w: --url %s is plain http: the API token and your customers' data would travel unencrypted; use https, or --insecure-http if you must", ErrUsage, u.Redacted())
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
