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
	if strings.TrimSpace(c.Phone) != "" {
		p, fe := ParsePhone(c.Phone)
		if fe != nil {
			fe.Field = "phone"
			errs = append(errs, *fe)
		}
		out.Phone = p
	}
	if strings.TrimSpace(c.Email) != "" {
		e, fe := ParseEmail(c.Email)
		if fe != nil {
			fe.Field = "email"
			errs = append(errs, *fe)
		}
		out.Email = e
	}
	return out, errs
}
