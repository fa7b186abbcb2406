// Package download is `ent-support download NUMBER ID|NAME`: it saves a
// file of a ticket, checks its SHA-256, and never overwrites a file unless
// told to.
package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmd/attachments"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// DownloadOptions is everything `download` works from.
type DownloadOptions struct {
	IO      *iostreams.IOStreams
	Lang    string
	Tickets func() (support.Tickets, error)
	Ctx     context.Context

	Number string
	File   string // an attachment ID or name
	Output string // a file, a directory, or "-" for stdout; "" = the current directory
	Force  bool
}

// NewCmdDownload returns `download`.
func NewCmdDownload(f *cmdutil.Factory, runF func(*DownloadOptions) error) *cobra.Command {
	opts := &DownloadOptions{IO: f.IOStreams, Lang: f.Lang, Tickets: f.Tickets}
	cmd := &cobra.Command{
		Use:     "download NUMBER ID|NAME",
		Short:   f.T("cli.download.short", nil),
		Example: f.T("cli.download.example", nil),
		Args:    cmdutil.ExactArgs(2, "ID|NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Number, opts.File = cmd.Context(), args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return downloadRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", f.T("cli.download.flag.output", nil))
	cmd.Flags().BoolVar(&opts.Force, "force", false, f.T("cli.download.flag.force", nil))
	return cmd
}

// pick finds the attachment named by an ID or a name; a name shared by
// several files is refused with their IDs, so that nothing is guessed.
func pick(as []support.Attachment, which string) (*support.Attachment, error) {
	if id, err := strconv.ParseInt(which, 10, 64); err == nil {
		for i := range as {
			if as[i].ID == id {
				return &as[i], nil
			}
		}
	}
	var found []*support.Attachment
	for i := range as {
		if as[i].Name == which || strings.EqualFold(as[i].Name, which) && len(found) == 0 {
			found = append(found, &as[i])
		}
	}
	switch len(found) {
	case 0:
		return nil, support.Errorf(support.ENOTFOUND, "cli.download.not_found", map[string]string{"file": which})
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, a := range found {
		ids[i] = strconv.FormatInt(a.ID, 10)
	}
	return nil, cmdutil.Usage("cli.download.ambiguous", map[string]string{"file": which, "ids": strings.Join(ids, ", ")})
}

func downloadRun(opts *DownloadOptions) error {
	ctx, cancel := cmdutil.Bounded(opts.Ctx, cmdutil.TransferTimeout)
	defer cancel()
	svc, t, err := cmdutil.GetTicket(ctx, opts.Tickets, opts.Number)
	if err != nil {
		return err
	}
	a, err := pick(attachments.All(t), opts.File)
	if err != nil {
		return err
	}
	_, rc, err := svc.OpenAttachment(ctx, t.Number, a.ID)
	if err != nil {
		return err
	}
	defer rc.Close()
	// A big file shows how its download goes on stderr (a terminal).
	progress := cmdutil.NewProgress(opts.IO, opts.Lang, a.Name, a.Size)
	defer progress.Done()
	r := progress.Reader(rc)

	if opts.Output == "-" {
		return copyChecked(opts.IO.Out, r, a)
	}
	path := opts.Output
	if path == "" {
		path = filecheck.SanitizeName(a.Name)
	} else if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, filecheck.SanitizeName(a.Name))
	}
	err = save(path, r, a, opts.Force)
	progress.Done()
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return cmdutil.Usage("cli.download.exists", map[string]string{"path": path})
		}
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "cli.download.saved", map[string]string{
		"path": path, "size": locale.Size(opts.Lang, a.Size)}))
	_, err = fmt.Fprintln(opts.IO.Out, path)
	return err
}

// save writes the file beside path and moves it in place only once it is
// whole and its hash checked: a failed download leaves nothing behind.
// Without force, an existing file is never replaced (the final link
// fails rather than overwrite, even if the file appeared meanwhile).
func save(path string, r io.Reader, a *support.Attachment, force bool) error {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return os.ErrExist
		}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".ent-support-download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := copyChecked(tmp, r, a); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if force {
		return os.Rename(tmp.Name(), path)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return err
		}
		// File systems without hard links (FAT on a USB key): the check
		// above is then the only guard.
		return os.Rename(tmp.Name(), path)
	}
	return nil
}

// copyChecked copies the file and fails if its SHA-256 is not the one
// the server announced.
func copyChecked(w io.Writer, r io.Reader, a *support.Attachment) error {
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, h), r); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); a.SHA256 != "" && got != a.SHA256 {
		return support.Errorf(support.EINTERNAL, "cli.download.corrupt", map[string]string{"name": a.Name})
	}
	return nil
}
