package httpapi

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/ent-support/ent-support/internal/httpclient"
)

// TestCertificateProblemsAreNamedAndNotRetried: waiting does not fix a
// certificate, and "unreachable" would send people to check their cable.
func TestCertificateProblemsAreNamedAndNotRetried(t *testing.T) {
	wrap := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://x", Err: &tls.CertificateVerificationError{Err: err}}
	}
	tests := []struct {
		err error
		key string
	}{
		{wrap(x509.UnknownAuthorityError{}), "error.tls_unknown_authority"},
		{wrap(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "x"}), "error.tls_hostname"},
		{wrap(x509.CertificateInvalidError{Reason: x509.Expired}), "error.tls_invalid"},
		{fmt.Errorf("dial: %w", errors.New("connection refused")), ""},
	}
	for _, tt := range tests {
		key, _ := httpclient.CertificateProblem(tt.err)
		if key != tt.key {
			t.Errorf("%v: key %q, want %q", tt.err, key, tt.key)
		}
		if retried := shouldRetry(0, tt.err); retried != (tt.key == "") {
			t.Errorf("%v: retried = %v", tt.err, retried)
		}
	}
}
