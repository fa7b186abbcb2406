package httpapi

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// spool is the files of one multipart create or comment, written to temporary files
// while counted against the limits. remove must always be called.
type spool struct {
	dir   string
	files []string
}

func (sp *spool) remove() {
	for _, f := range sp.files {
		os.Remove(f)
	}
	sp.files = nil
}

// multipartOverhead is what a multipart body may hold besides the files:
// the ticket or comment part and the part headers.
const multipartOverhead = maxJSONBody + 1<<20

// readMultipart reads a multipart/form-data body: one part named main
// (JSON, decoded into v: the ticket of a create, the comment of a comment)
// and zero or more "attachments" file parts, in any order. Each file is
// streamed to a temporary file while counted, so a file over a limit is
// refused as soon as it crosses it, without reading the rest of the body.
func (s *server) readMultipart(w http.ResponseWriter, r *http.Request, sp *spool, main string, v any) ([]support.Upload, error) {
	var (
		uploads []support.Upload
		seen    bool
		total   int64
	)
	lim := s.cfg.Limits
	r.Body = http.MaxBytesReader(w, r.Body, lim.MaxTicketSize+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleSyntax,
			Params: map[string]string{"reason": err.Error()}}})
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, multipartError(err)
		}
		switch part.FormName() {
		case main:
			if seen {
				return nil, support.InvalidFields([]support.FieldError{{Field: main, Rule: support.RuleSyntax,
					Params: map[string]string{"reason": "more than one " + main + " part"}}})
			}
			seen = true
			if err := decodeJSON(part, v); err != nil {
				return nil, err
			}
		case "attachments":
			name := baseName(part.FileName())
			if len(uploads) >= lim.MaxFiles {
				return nil, tooLargeField(support.RuleFileCount, map[string]string{"max": strconv.Itoa(lim.MaxFiles)})
			}
			path, size, err := s.spoolPart(part, sp, total)
			if err != nil {
				return nil, err
			}
			if size > lim.MaxFileSize {
				return nil, tooLargeField(support.RuleFileSize, map[string]string{"name": name,
					"size": strconv.FormatInt(size, 10), "size_known": "false", "max": strconv.FormatInt(lim.MaxFileSize, 10)})
			}
			if total+size > lim.MaxTicketSize {
				return nil, tooLargeField(support.RuleTicketSize, map[string]string{
					"size": strconv.FormatInt(total+size, 10), "size_known": "false", "max": strconv.FormatInt(lim.MaxTicketSize, 10)})
			}
			total += size
			uploads = append(uploads, support.Upload{Name: name, Size: size,
				Open: func() (io.ReadCloser, error) { return os.Open(path) }})
		default:
			return nil, support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleUnknownKey,
				Params: map[string]string{"key": part.FormName()}}})
		}
	}
	if !seen {
		return nil, support.InvalidFields([]support.FieldError{{Field: main, Rule: support.RuleRequired}})
	}
	return uploads, nil
}

// spoolPart copies a file part to a temporary file, stopping one byte past
// what the limits still allow: a size over a limit is then a lower bound.
func (s *server) spoolPart(part *multipart.Part, sp *spool, total int64) (string, int64, error) {
	lim := s.cfg.Limits
	allowed := min(lim.MaxFileSize, lim.MaxTicketSize-total)
	f, err := os.CreateTemp(sp.dir, "ent-upload-*")
	if err != nil {
		return "", 0, err
	}
	sp.files = append(sp.files, f.Name())
	n, err := io.Copy(f, io.LimitReader(part, allowed+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, multipartError(err)
	}
	return f.Name(), n, nil
}

// multipartError tells a body over the overall cap or cut short from a
// failure of ours.
func multipartError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge()
	}
	var e *support.Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.HasPrefix(err.Error(), "multipart:") {
		return support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleSyntax,
			Params: map[string]string{"reason": err.Error()}}})
	}
	return err
}

func tooLargeField(rule string, params map[string]string) error {
	return &support.Error{Code: support.ETOOLARGE, Key: "error.too_large",
		Fields: []support.FieldError{{Field: "attachments", Rule: rule, Params: params}}}
}

// baseName keeps the last element of a file name as sent, whichever the
// sender's path separator (browsers on Windows have sent full paths).
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}
