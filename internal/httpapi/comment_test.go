package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/textproto"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

// commentBody builds a multipart comment in memory (tests only: the
// client streams).
func commentBody(t testing.TB, comment string, files map[string][]byte, order ...string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if comment != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="comment"`)
		h.Set("Content-Type", "application/json")
		w, _ := mw.CreatePart(h)
		w.Write([]byte(comment))
	}
	for _, name := range order {
		w, _ := mw.CreateFormFile("attachments", name)
		w.Write(files[name])
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestAddCommentHandler(t *testing.T) {
	ts := newTestServer(t, func(c *ServerConfig) {
		c.Limits = support.Limits{MaxFileSize: 100, MaxTicketSize: 150, MaxFiles: 2}
	})
	if _, err := ts.fake.CreateTicket(support.WithUser(context.Background(), reporterUser), validInput(), support.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/tickets/cg42n1-1/comments"

	resp, b := ts.do(t, req{method: "POST", path: path, token: reporterToken, header: jsonCT,
		body: jsonBody(t, support.CommentInput{Body: "Toujours en panne."})})
	if resp.StatusCode != 201 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("JSON comment: status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	var c support.Comment
	if err := json.Unmarshal(b, &c); err != nil || c.ID != 1 || c.Body != "Toujours en panne." || c.Role != support.RoleReporter {
		t.Errorf("JSON comment answer %s (%v)", b, err)
	}

	body, ct := commentBody(t, `{"body":"Voir la capture"}`, map[string][]byte{"capture.txt": []byte("hello")}, `C:\tmp\capture.txt`)
	resp, b = ts.do(t, req{method: "POST", path: path, token: reporterToken, header: map[string]string{"Content-Type": ct}, body: body})
	if resp.StatusCode != 201 {
		t.Fatalf("multipart comment: status %d: %s", resp.StatusCode, b)
	}
	c = support.Comment{}
	json.Unmarshal(b, &c)
	if len(c.Attachments) != 1 || c.Attachments[0].Name != "capture.txt" || c.Attachments[0].CommentID != c.ID {
		t.Errorf("multipart comment answer %s", b)
	}
	assertNoTempFiles(t, ts.tmp)

	big := bytes.Repeat([]byte("b"), 101)
	for _, tc := range []struct {
		name, path, ctype string
		body              io.Reader
		status            int
		rule              string
	}{
		{"file over limit", path, "", nil, 413, "file_size"},
		{"no comment part", path, "", nil, 400, "required"},
		{"bad number", "/api/v1/tickets/abc/comments", "application/json", jsonBody(t, support.CommentInput{Body: "x"}), 400, "number"},
		{"unknown ticket", "/api/v1/tickets/99/comments", "application/json", jsonBody(t, support.CommentInput{Body: "x"}), 404, ""},
		{"unknown key", path, "application/json", bytes.NewReader([]byte(`{"body":"x","message":"y"}`)), 400, "unknown_key"},
		{"media type", path, "text/plain", bytes.NewReader([]byte("x")), 415, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := tc.body, tc.ctype
			switch tc.name {
			case "file over limit":
				body, ct = commentBody(t, `{"body":"x"}`, map[string][]byte{"big.png": big}, "big.png")
			case "no comment part":
				body, ct = commentBody(t, "", map[string][]byte{"a.txt": []byte("a")}, "a.txt")
			}
			resp, b := ts.do(t, req{method: "POST", path: tc.path, token: reporterToken,
				header: map[string]string{"Content-Type": ct}, body: body})
			p := decodeProblem(t, resp, b)
			if p.Status != tc.status {
				t.Errorf("status %d, want %d: %s", p.Status, tc.status, b)
			}
			if tc.rule != "" && (len(p.Errors) != 1 || p.Errors[0].Rule != tc.rule) {
				t.Errorf("errors %+v, want one %q", p.Errors, tc.rule)
			}
			assertNoTempFiles(t, ts.tmp)
		})
	}
	resp, _ = ts.do(t, req{method: "POST", path: path, header: jsonCT, body: jsonBody(t, support.CommentInput{Body: "x"})})
	if resp.StatusCode != 401 {
		t.Errorf("without a token: status %d, want 401", resp.StatusCode)
	}
	if n := ts.fake.Count("AddComment"); n != 3 { // 2 accepted + the unknown ticket
		t.Errorf("service called %d times, want 3", n)
	}
}

func TestClientAddComment(t *testing.T) {
	ts := newTestServer(t, nil)
	c := newClient(t, ts.URL, reporterToken, "en")
	ctx := context.Background()
	tk, err := c.CreateTicket(ctx, validInput(), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.AddComment(ctx, support.Number{Seq: tk.Number.Seq}, "Toujours en panne.", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != "Toujours en panne." || got.Author != "Anne Martin <anne.martin@ac-lyon.fr>" {
		t.Errorf("comment = %+v", got)
	}
	content := bytes.Repeat([]byte("journal\n"), 10000)
	got, err = c.AddComment(ctx, tk.Number, "", []support.Upload{memUpload("journal.log", content, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Attachments) != 1 || got.Attachments[0].Size != int64(len(content)) {
		t.Errorf("comment with a file = %+v", got)
	}
	if !bytes.Equal(ts.fake.Received["journal.log"], content) {
		t.Errorf("the server received %d bytes, want %d", len(ts.fake.Received["journal.log"]), len(content))
	}
	full, err := c.GetTicket(ctx, tk.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Comments) != 2 {
		t.Errorf("ticket has %d comments, want 2", len(full.Comments))
	}

	// Errors come back as the service's, field errors included.
	_, err = c.AddComment(ctx, tk.Number, " ", nil)
	e := asSupportError(t, err)
	if diff := cmp.Diff([]support.FieldError{{Field: "comment.body", Rule: "required", Message: "Message (comment.body): this field is required"}}, e.Fields); e.Code != support.EINVALID || diff != "" {
		t.Errorf("empty body: code %q, fields (-want +got):\n%s", e.Code, diff)
	}
	_, err = c.AddComment(ctx, support.Number{Seq: 42}, "x", nil)
	if code := support.ErrorCode(err); code != support.ENOTFOUND {
		t.Errorf("unknown ticket: code %q", code)
	}

	// A comment is sent once: a 503 is not retried, since a retry after a
	// lost answer would add the comment twice.
	before := ts.fake.Count("AddComment")
	ts.fake.Fail["AddComment"] = support.Errorf(support.EUNAVAILABLE, "error.storage_unavailable", nil)
	_, err = c.AddComment(ctx, tk.Number, "x", []support.Upload{memUpload("a.txt", []byte("a"), nil)})
	if code := support.ErrorCode(err); code != support.EUNAVAILABLE {
		t.Errorf("503: code %q", code)
	}
	if n := ts.fake.Count("AddComment") - before; n != 1 {
		t.Errorf("service called %d times for one comment, want 1", n)
	}
}
