package support

import "io"

// Attachment limits: the defaults of the reference server. Servers announce
// their own (see Limits), and the client checks those before sending.
const (
	DefaultMaxFileSize   = 10 << 20
	DefaultMaxTicketSize = 25 << 20
	DefaultMaxFiles      = 10
)

// Limits are the attachment limits a server enforces.
type Limits struct {
	MaxFileSize   int64 `json:"max_file_size"`
	MaxTicketSize int64 `json:"max_ticket_size"`
	MaxFiles      int   `json:"max_files"`
}

// DefaultLimits returns the reference server's default limits.
func DefaultLimits() Limits {
	return Limits{MaxFileSize: DefaultMaxFileSize, MaxTicketSize: DefaultMaxTicketSize, MaxFiles: DefaultMaxFiles}
}

// OrDefaults returns l with each unset (zero or negative) limit replaced
// by the reference server's default.
func (l Limits) OrDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxTicketSize <= 0 {
		l.MaxTicketSize = d.MaxTicketSize
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = d.MaxFiles
	}
	return l
}

// AllowedTypes are the content types accepted for attachments, as detected
// from the content (never from the name).
var AllowedTypes = []string{
	"image/png", "image/jpeg", "image/gif", "image/webp",
	"application/pdf", "text/plain",
}

// Upload is a file to join to a ticket, as it travels from the client to
// the store. Open is called each time the content is needed (a retry
// re-reads the file rather than buffering it).
type Upload struct {
	Name string
	Size int64
	Open func() (io.ReadCloser, error)
}
