package support

import "strings"

// ContactUpdate is what people may change of their own profile (PATCH
// /api/v1/me): how support reaches them. A field left empty keeps its
// value; the name, role and establishments are an admin's to change.
type ContactUpdate struct {
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// Normalize checks each field given with the ticket's rules (a French
// phone number, an e-mail address) and returns it normalised (the phone
// in E.164). Field errors are named "phone" and "email", as the API's
// fields are.
func (c ContactUpdate) Normalize() (ContactUpdate, []FieldError) {
	var (
		out  ContactUpdate
		errs []FieldError
	)
	for _, f := range []struct {
		field, in string
		out       *string
		parse     func(string) (string, *FieldError)
	}{{"phone", c.Phone, &out.Phone, ParsePhone}, {"email", c.Email, &out.Email, ParseEmail}} {
		if strings.TrimSpace(f.in) == "" {
			continue
		}
		v, fe := f.parse(f.in)
		if fe != nil {
			fe.Field = f.field
			errs = append(errs, *fe)
		}
		*f.out = v
	}
	return out, errs
}

// NormalizeChange is Normalize for a change someone asks for: it must
// name at least one field, else an "email" field error (rule
// email_or_phone) says what is missing.
func (c ContactUpdate) NormalizeChange() (ContactUpdate, []FieldError) {
	out, errs := c.Normalize()
	if len(errs) == 0 && out == (ContactUpdate{}) {
		errs = []FieldError{{Field: "email", Rule: "email_or_phone"}}
	}
	return out, errs
}
