package support

import "strings"

// uaiKeys is the 23-letter alphabet of the UAI key: the key of a UAI is
// uaiKeys[n mod 23], n being its 7-digit number.
const uaiKeys = "ABCDEFGHJKLMNPRSTUVWXYZ"

// UAIKey returns the key letter of the 7-digit string digits.
func UAIKey(digits string) byte {
	n := 0
	for i := 0; i < len(digits); i++ {
		n = n*10 + int(digits[i]-'0')
	}
	return uaiKeys[n%23]
}

// ParseUAI checks an establishment code (UAI, formerly RNE) and returns it
// normalised: upper case, without surrounding or inner spaces. A wrong key
// letter gives RuleUAIKey with the expected letter, so that a typo can be
// fixed.
func ParseUAI(s string) (string, *FieldError) {
	u := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if u == "" {
		return "", &FieldError{Field: "establishment.uai", Rule: RuleRequired}
	}
	if len(u) != 8 || !allDigits(u[:7]) || u[7] < 'A' || u[7] > 'Z' {
		return "", &FieldError{Field: "establishment.uai", Rule: RuleUAIFormat}
	}
	if want := UAIKey(u[:7]); u[7] != want {
		return "", &FieldError{Field: "establishment.uai", Rule: RuleUAIKey,
			Params: map[string]string{"expected": u[:7] + string(want)}}
	}
	return u, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
