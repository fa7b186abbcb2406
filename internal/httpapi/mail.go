package httpapi

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/ent-support/ent-support/internal/support"
)

// postMail takes one raw e-mail (message/rfc822) from a mail gateway and
// hands it to the pipeline. Over the size limit it answers 413 before
// reading the rest; a body that is not mail, 422. The body is read whole
// by the pipeline (bounded), so a client that stops sending midway stores
// nothing.
func (s *server) postMail(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Mail == nil {
		s.fail(w, r, support.Errorf(support.ENOTFOUND, "error.route_not_found", nil))
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "message/rfc822" {
		s.fail(w, r, support.Errorf(support.EINVALID, "error.mail_media_type", nil))
		return
	}
	max := s.cfg.MailMaxSize
	if max > 0 && r.ContentLength > max {
		s.fail(w, r, support.Errorf(support.ETOOLARGE, "error.mail_too_large", map[string]string{"max": strconv.FormatInt(max, 10)}))
		return
	}
	body := r.Body
	if max > 0 {
		body = http.MaxBytesReader(w, r.Body, max+1)
	}
	res, err := s.cfg.Mail.HandleMail(r.Context(), body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = support.Errorf(support.ETOOLARGE, "error.mail_too_large", map[string]string{"max": strconv.FormatInt(max, 10)})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusOK, res)
}

// PostMail sends one raw e-mail to the server (`ent-support mailgate`).
// It is sent again on a lost connection or a busy server: the server
// handles a message once, however often it is delivered.
func (c *Client) PostMail(ctx context.Context, raw []byte) (*support.MailResult, error) {
	var out support.MailResult
	// A reader, not the slice: resty copies a []byte body twice per
	// attempt (5 MiB of mail, 10 MiB of copies); a *bytes.Reader goes to
	// the connection as it is, and rewindBody starts it again on a retry.
	resp, err := c.rc.R().SetContext(ctx).SetHeader("Content-Type", "message/rfc822").
		SetBody(bytes.NewReader(raw)).Post("/mail")
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if err := c.decode(resp.StatusCode(), resp.Header(), resp.Body(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

var _ support.MailPoster = (*Client)(nil)
