package sandbox

import (
	"net/netip"
	"strings"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
)

// fieldKind is how the platform checks one system field.
type fieldKind uint8

const (
	kindString fieldKind = iota
	kindStringOrNumber
	kindCountry
	kindSex
	kindDate
	kindIPv4
)

// systemFields are the fields starting with "_" that the platform's documentation lists;
// any other "_" field is unknown to the platform.
var systemFields = map[string]fieldKind{
	"_fname":       kindString,
	"_lname":       kindString,
	"_city":        kindString,
	"_region":      kindString,
	"_tz":          kindString,
	"_vendor":      kindString,
	"_browser":     kindString,
	"_regcity":     kindString,
	"_regurl":      kindString,
	"_country":     kindCountry,
	"_regcountry":  kindCountry,
	"_postal_code": kindStringOrNumber,
	"_sex":         kindSex,
	"_bdate":       kindDate,
	"_regdate":     kindDate,
	"_ip":          kindIPv4,
	"_regip":       kindIPv4,
}

// validateData checks every field of a request's data except subscriptions,
// which validateSubscriptions handles. A null value is accepted for any known
// field: it removes the field from the stored profile.
func validateData(data map[string]any) *apiError {
	for name, v := range data {
		if name == "subscriptions" {
			continue
		}
		if _, _, _, isAction := actionOf(v); isAction {
			if strings.HasPrefix(name, "_") {
				if _, ok := systemFields[name]; !ok {
					return badRequest(`Unknown field "` + name + `"`)
				}
			}
			if e := validateAction(name, v, validateValue); e != nil {
				return e
			}
			continue
		}
		if e := validateValue(name, v); e != nil {
			return e
		}
	}
	return nil
}

// validateValue checks one plain value of field name.
func validateValue(name string, v any) *apiError {
	if v == nil {
		if strings.HasPrefix(name, "_") {
			if _, ok := systemFields[name]; !ok {
				return badRequest(`Unknown field "` + name + `"`)
			}
		}
		return nil
	}
	switch name {
	case "email":
		if s, ok := v.(string); !ok || !validEmail(s) {
			return invalidValue(name, v)
		}
		return nil
	case "phones":
		return validatePhones(v)
	case "subscriptions":
		return nil
	}
	if !strings.HasPrefix(name, "_") {
		if !customValue(v) {
			return invalidValue(name, v)
		}
		return nil
	}
	kind, ok := systemFields[name]
	if !ok {
		return badRequest(`Unknown field "` + name + `"`)
	}
	if !validSystemValue(kind, v) {
		return invalidValue(name, v)
	}
	return nil
}

func validatePhones(v any) *apiError {
	list, ok := v.([]any)
	if !ok {
		return invalidValue("phones", v)
	}
	for _, p := range list {
		if s, ok := p.(string); !ok || !validPhone(s) {
			return invalidValue("phones", p)
		}
	}
	return nil
}

func validSystemValue(kind fieldKind, v any) bool {
	if kind == kindStringOrNumber {
		switch v.(type) {
		case string, float64:
			return true
		}
		return false
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	switch kind {
	case kindCountry:
		return len(s) == 2 && isLetter(s[0]) && isLetter(s[1])
	case kindSex:
		return s == "male" || s == "female"
	case kindDate:
		return validDate(s)
	case kindIPv4:
		a, err := netip.ParseAddr(s)
		return err == nil && a.Is4()
	}
	return true
}

// customValue reports whether v fits a custom field: a scalar, or a list of
// scalars (list, enum and tag fields). Objects have no custom field type.
func customValue(v any) bool {
	switch v := v.(type) {
	case string, float64, bool:
		return true
	case []any:
		for _, e := range v {
			switch e.(type) {
			case string, float64, bool:
			default:
				return false
			}
		}
		return true
	}
	return false
}

// validDate accepts a calendar date (2001-12-31) or an RFC 3339 timestamp.
// time.Parse rejects impossible days such as 1990-02-31.
func validDate(s string) bool {
	if len(s) == len("2006-01-02") {
		_, err := time.Parse(time.DateOnly, s)
		return err == nil
	}
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// validPhone accepts the international form: "+" then 7 to 15 digits.
func validPhone(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validEmail is the platform's address check, shared with acimport check:
// see altcraft.ValidEmail.
func validEmail(s string) bool { return altcraft.ValidEmail(s) }

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
