package guess

import (
	"strings"
	"unicode"

	"github.com/acimport/acimport/mapping"
)

// fieldNames are the column names, normalised by normName, that mean each of the platform's
// system fields: English and Russian names and the usual variants of exports and CRMs.
var fieldNames = []struct {
	field string
	names []string
}{
	{"email", []string{"email", "mail", "emailaddress", "emails", "почта", "электроннаяпочта", "элпочта",
		"емейл", "емэйл", "имейл", "мейл", "адресэлектроннойпочты", "электронныйадрес", "адреспочты"}},
	{"phones", []string{"phone", "phones", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "cell",
		"cellphone", "mob", "msisdn", "телефон", "тел", "телефоны", "мобильный", "мобильныйтелефон", "номертелефона",
		"сотовый", "сотовыйтелефон", "телефонмобильный", "моб"}},
	{"_fname", []string{"firstname", "fname", "givenname", "first", "name", "имя"}},
	{"_lname", []string{"lastname", "lname", "surname", "familyname", "last", "фамилия"}},
	{"_bdate", []string{"birthday", "birthdate", "dateofbirth", "dob", "bdate", "bday", "датарождения",
		"деньрождения", "др", "рождение"}},
	{"_sex", []string{"gender", "sex", "пол"}},
	{"_city", []string{"city", "town", "город", "населенныйпункт"}},
	{"_country", []string{"country", "страна"}},
	{"_region", []string{"region", "state", "province", "регион", "область"}},
	{"_postal_code", []string{"zip", "zipcode", "postcode", "postalcode", "postal", "индекс", "почтовыйиндекс"}},
	{"_tz", []string{"timezone", "tz", "часовойпояс"}},
	{"_ip", []string{"ip", "ipaddress", "ipадрес"}},
}

// fieldByName returns the system field a column name means, or "".
func fieldByName(column string) string {
	n := normName(column)
	for _, f := range fieldNames {
		for _, name := range f.names {
			if n == name {
				return f.field
			}
		}
	}
	return ""
}

// normName is mapping.NormColumn: "E-mail", "e_mail" and "Email " are one name, "Эл. почта" is
// "элпочта".
func normName(s string) string { return mapping.NormColumn(s) }

// translit spells Russian letters in Latin ones, for custom field names.
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "yu", 'я': "ya",
}

// customName makes a custom field name out of a column name: Latin letters, digits and
// underscores ("CRM ID" → "CRM_ID", "Бонусы" → "bonusy"), not starting with the "_" of system
// fields nor with a digit.
func customName(column string) string {
	var b strings.Builder
	under := false
	put := func(s string) {
		for _, r := range s {
			if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				b.WriteRune(r)
				under = false
			} else if !under && b.Len() > 0 {
				b.WriteByte('_')
				under = true
			}
		}
	}
	for _, r := range column {
		if t, ok := translit[unicode.ToLower(r)]; ok {
			if unicode.IsUpper(r) && t != "" {
				t = strings.ToUpper(t[:1]) + t[1:]
			}
			put(t)
			continue
		}
		put(string(r))
	}
	s := strings.TrimRight(b.String(), "_")
	switch {
	case s == "":
		return "field"
	case s[0] >= '0' && s[0] <= '9':
		return "f_" + s
	}
	return s
}
