package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certCheckEvery is how often the certificate files are looked at for a
// renewal (certbot and the like replace them in place).
const certCheckEvery = time.Minute

// certFiles serves a certificate and key from files, reloaded when either
// file changes, so a renewed certificate is used without a restart. A
// renewal that does not load (half-written, key and certificate not
// matching) keeps the previous pair, and is logged.
type certFiles struct {
	certFile, keyFile string
	log               *slog.Logger
	now               func() time.Time

	mu        sync.Mutex
	cert      *tls.Certificate
	stamp     string // the files' sizes and modification times when loaded
	checkedAt time.Time
}

func loadCertFiles(certFile, keyFile string, log *slog.Logger) (*certFiles, error) {
	c := &certFiles{certFile: certFile, keyFile: keyFile, log: log, now: time.Now}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	c.cert, c.stamp, c.checkedAt = &cert, c.fileStamp(), c.now()
	return c, nil
}

func (c *certFiles) fileStamp() string {
	var s string
	for _, f := range []string{c.certFile, c.keyFile} {
		if fi, err := os.Stat(f); err == nil {
			s += fmt.Sprintf("%d@%d;", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return s
}

// GetCertificate is tls.Config's: the current pair, reloaded first if the
// files changed since the last look (at most one look a minute).
func (c *certFiles) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); now.Sub(c.checkedAt) >= certCheckEvery {
		c.checkedAt = now
		if stamp := c.fileStamp(); stamp != c.stamp {
			if cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile); err != nil {
				c.log.Warn("renewed TLS certificate not loaded; keeping the previous one", "cert", c.certFile, "error", err.Error())
			} else {
				c.cert, c.stamp = &cert, stamp
				c.log.Info("TLS certificate reloaded", "cert", c.certFile)
			}
		}
	}
	return c.cert, nil
}

// tlsConfig serves HTTPS with the files' certificate: TLS 1.2 at least,
// HTTP/1.1 only (event streams, deadlines and early closes behave as on
// plain HTTP; a ticket tool gains nothing from HTTP/2).
func (c *certFiles) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate, NextProtos: []string{"http/1.1"}}
}
