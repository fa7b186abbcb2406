package cmdutil

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// CheckFiles checks every file to attach before anything is sent, the way
// the server will: a file that cannot be read, is empty, too big or of a
// refused type is reported with the others. Without the server's limits
// (info nil: server unreachable), sizes are checked against the defaults.
// `new` and `comment` share it, so both refuse the same files.
func CheckFiles(lang string, info *support.ServerInfo, paths []string) ([]support.Upload, []support.FieldError) {
	lim := support.DefaultLimits()
	if info != nil && info.Limits.MaxFileSize > 0 {
		lim = info.Limits
	}
	var (
		ups   []support.Upload
		errs  []support.FieldError
		total int64
	)
	if lim.MaxFiles > 0 && len(paths) > lim.MaxFiles {
		errs = append(errs, *filecheck.TooMany(lim.MaxFiles))
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, *Unreadable(lang, "attachments", p, err))
			continue
		}
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			f.Close()
			errs = append(errs, *Unreadable(lang, "attachments", p, ErrIsDir))
			continue
		}
		res, fe := filecheck.Inspect(filepath.Base(p), f, lim.MaxFileSize)
		f.Close()
		if fe != nil {
			errs = append(errs, *fe)
			continue
		}
		total += res.Size
		path := p
		ups = append(ups, support.Upload{Name: res.Name, Size: res.Size,
			Open: func() (io.ReadCloser, error) { return os.Open(path) }})
	}
	if lim.MaxTicketSize > 0 && total > lim.MaxTicketSize {
		errs = append(errs, *filecheck.TicketTooBig(total, lim.MaxTicketSize))
	}
	return ups, errs
}

// ErrIsDir is the reason given for a directory named where a file was expected.
var ErrIsDir = errors.New("is a directory")

// Unreadable is the field error of a file we could not read, with the
// reason in the user's language for the common cases.
func Unreadable(lang, field, name string, err error) *support.FieldError {
	reason := err.Error()
	switch {
	case errors.Is(err, os.ErrNotExist):
		reason = locale.T(lang, "cli.file.not_found", nil)
	case errors.Is(err, os.ErrPermission):
		reason = locale.T(lang, "cli.file.permission", nil)
	case errors.Is(err, ErrIsDir):
		reason = locale.T(lang, "cli.file.is_dir", nil)
	}
	return &support.FieldError{Field: field, Rule: support.RuleFileUnreadable,
		Params: map[string]string{"name": name, "reason": reason}}
}

// ReadInput reads a file named on the command line ("-" is in), at most
// max bytes, and returns the directory relative paths in it are taken from.
func ReadInput(in io.Reader, lang, name, field string, max int64) ([]byte, string, *support.FieldError) {
	var r io.Reader
	dir := "."
	if name == "-" {
		r = in
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, "", Unreadable(lang, field, name, err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return nil, "", Unreadable(lang, field, name, ErrIsDir)
		}
		r, dir = f, filepath.Dir(name)
	}
	data, err := io.ReadAll(io.LimitReader(r, max))
	if err != nil {
		return nil, "", Unreadable(lang, field, name, err)
	}
	return data, dir, nil
}
