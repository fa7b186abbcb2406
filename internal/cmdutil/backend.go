package cmdutil

import (
	"errors"

	"github.com/ent-support/ent-support/internal/support"
)

// Capabilities are what one back end offers, one field per interface; a
// field is nil when the back end lacks it (RT and Redmine have no
// directory of establishments, no way to change a person's contact
// details and no admin service). cmd/factory fills them, once per kind,
// from the concrete client, so that no command ever type-asserts.
type Capabilities struct {
	Info          support.InfoService
	Tickets       support.Tickets
	Identity      support.Identity
	ContactEditor support.ContactEditor
	Directory     support.Directory
	Workflow      support.WorkflowService
	Follower      support.Follower
	Admin         support.AdminService
	Doctor        support.Doctor
	// TokenChecker, when set, proves a token valid where Identity cannot
	// (RT): `auth login` calls it before keeping a token.
	TokenChecker support.TokenChecker
	// MailPoster posts raw e-mail (our own server only, for mailgate).
	MailPoster support.MailPoster
}

// Backend is one opened back end: its kind, its name for people and its
// capabilities. Ask for a capability with its method (Tickets(),
// Directory()…): one the back end lacks is an *UnsupportedError, never a
// nil interface.
type Backend struct {
	// Kind is config.KindNative, KindRT or KindRedmine.
	Kind string
	// Name is the back end as people call it ("Redmine"), for messages.
	Name string
	// Embedded: the reference server in-process, on this computer only.
	Embedded bool
	Caps     Capabilities
}

// UnsupportedError is a capability the back end lacks: exit 2 (what the
// command asks cannot be done with this profile's back end), with a
// message that names what the command needed and the back end.
type UnsupportedError struct {
	// Need is the capability ("directory", "contact_editor"…), the last
	// part of the message key cli.unsupported.<need>.
	Need string
	Err  *support.Error
}

func (e *UnsupportedError) Error() string { return e.Err.Error() }
func (e *UnsupportedError) Unwrap() error { return e.Err }

// IsUnsupported reports whether err says the back end lacks a capability.
func IsUnsupported(err error) bool {
	var ue *UnsupportedError
	return errors.As(err, &ue)
}

// Unsupported is the error of a back end that lacks the capability need.
func (b *Backend) Unsupported(need string) error {
	return &UnsupportedError{Need: need, Err: support.Errorf(support.EINVALID, "cli.unsupported."+need,
		map[string]string{"kind": b.Name})}
}

// need returns c, or the back end's UnsupportedError when it is nil.
func need[T comparable](b *Backend, c T, name string) (T, error) {
	var zero T
	if c == zero {
		return zero, b.Unsupported(name)
	}
	return c, nil
}

// The capabilities, one method each: the value, or an UnsupportedError.
func (b *Backend) Info() (support.InfoService, error)  { return need(b, b.Caps.Info, "info") }
func (b *Backend) Tickets() (support.Tickets, error)   { return need(b, b.Caps.Tickets, "tickets") }
func (b *Backend) Identity() (support.Identity, error) { return need(b, b.Caps.Identity, "identity") }
func (b *Backend) Directory() (support.Directory, error) {
	return need(b, b.Caps.Directory, "directory")
}
func (b *Backend) Workflow() (support.WorkflowService, error) {
	return need(b, b.Caps.Workflow, "workflow")
}
func (b *Backend) Follower() (support.Follower, error)  { return need(b, b.Caps.Follower, "follower") }
func (b *Backend) Admin() (support.AdminService, error) { return need(b, b.Caps.Admin, "admin") }
func (b *Backend) Doctor() (support.Doctor, error)      { return need(b, b.Caps.Doctor, "doctor") }
func (b *Backend) MailPoster() (support.MailPoster, error) {
	return need(b, b.Caps.MailPoster, "mail_poster")
}
func (b *Backend) ContactEditor() (support.ContactEditor, error) {
	return need(b, b.Caps.ContactEditor, "contact_editor")
}

// via opens the back end with open, then asks it for one capability.
func via[T any](open func() (*Backend, error), get func(*Backend) (T, error)) (T, error) {
	var zero T
	if open == nil {
		return zero, errors.New("cmdutil: Factory.Backend is not set")
	}
	b, err := open()
	if err != nil {
		return zero, err
	}
	return get(b)
}

// The Factory's capabilities: the profile's back end (opened on first
// use), asked for one capability. A command takes only those it needs.
func (f *Factory) Info() (support.InfoService, error)    { return via(f.Backend, (*Backend).Info) }
func (f *Factory) Tickets() (support.Tickets, error)     { return via(f.Backend, (*Backend).Tickets) }
func (f *Factory) Identity() (support.Identity, error)   { return via(f.Backend, (*Backend).Identity) }
func (f *Factory) Directory() (support.Directory, error) { return via(f.Backend, (*Backend).Directory) }
func (f *Factory) Workflow() (support.WorkflowService, error) {
	return via(f.Backend, (*Backend).Workflow)
}
func (f *Factory) Follower() (support.Follower, error)  { return via(f.Backend, (*Backend).Follower) }
func (f *Factory) Admin() (support.AdminService, error) { return via(f.Backend, (*Backend).Admin) }
func (f *Factory) Doctor() (support.Doctor, error)      { return via(f.Backend, (*Backend).Doctor) }
func (f *Factory) ContactEditor() (support.ContactEditor, error) {
	return via(f.Backend, (*Backend).ContactEditor)
}

// Embedded reports whether the back end is the embedded reference
// server: what is filed there stays on this computer and reaches no
// support agent. It opens the back end as the capabilities do: false if
// that fails.
func (f *Factory) Embedded() bool {
	if f.Backend == nil {
		return false
	}
	b, err := f.Backend()
	return err == nil && b.Embedded
}
