package support_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *support.Error
		want string
	}{
		{&support.Error{Code: support.ENOTFOUND, Message: "Ticket introuvable"}, "Ticket introuvable"},
		{support.Errorf(support.EFORBIDDEN, "error.forbidden", nil), "forbidden: error.forbidden"},
		{&support.Error{Code: support.EUNAVAILABLE}, "unavailable"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorf(t *testing.T) {
	e := support.Errorf(support.ETOOLARGE, "error.too_large", map[string]string{"max": "10 MiB"})
	want := &support.Error{Code: support.ETOOLARGE, Key: "error.too_large", Params: map[string]string{"max": "10 MiB"}}
	if d := diff(want, e); d != "" {
		t.Error(d)
	}
}

func TestInvalidFields(t *testing.T) {
	fields := []support.FieldError{{Field: "subject", Rule: support.RuleLength}, {Field: "priority", Rule: support.RuleRequired}}
	e := support.InvalidFields(fields)
	if e.Code != support.EINVALID || e.Key != "error.invalid_fields" {
		t.Errorf("got %+v", e)
	}
	if d := diff(fields, e.Fields); d != "" {
		t.Error(d)
	}
}

func TestErrorCode(t *testing.T) {
	inner := &support.Error{Code: support.ENOTFOUND}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"ours", inner, support.ENOTFOUND},
		{"wrapped", fmt.Errorf("get ticket: %w", inner), support.ENOTFOUND},
		{"joined", errors.Join(errors.New("x"), inner), support.ENOTFOUND},
		{"foreign", errors.New("disk on fire"), support.EINTERNAL},
	}
	for _, tt := range tests {
		if got := support.ErrorCode(tt.err); got != tt.want {
			t.Errorf("%s: ErrorCode = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAsError(t *testing.T) {
	inner := &support.Error{Code: support.ECONFLICT, Key: "error.conflict"}
	if got := support.AsError(fmt.Errorf("store: %w", inner)); got != inner {
		t.Errorf("AsError(wrapped) = %+v, want the inner error itself", got)
	}
	got := support.AsError(errors.New("disk on fire"))
	if got.Code != support.EINTERNAL || got.Message != "disk on fire" {
		t.Errorf("AsError(foreign) = %+v", got)
	}
	// nil is no error, as for ErrorCode, rather than a panic.
	if got := support.AsError(nil); got != nil {
		t.Errorf("AsError(nil) = %+v, want nil", got)
	}
}
