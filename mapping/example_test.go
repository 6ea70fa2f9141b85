package mapping_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/acimport/acimport/mapping"
)

func Example() {
	m, err := mapping.Parse(strings.NewReader(`
db_id: 5
fields:
  email:  { column: "E-mail", type: email }
  _fname: "First name"
  _bdate: { column: Birthday, type: date, format: "DD.MM.YYYY" }
  phones: { column: Phone, type: phone, region: RU }
`), "example.yaml")
	if err != nil {
		log.Fatal(err)
	}
	b, err := m.Bind([]string{"E-mail", "First name", "Birthday", "Phone"})
	if err != nil {
		log.Fatal(err)
	}
	body, key, err := b.Convert(nil, []string{"Ivan@Example.com", "Иван", "15.01.1990", "8 (900) 123-45-67"})
	fmt.Println(string(body), key, err)

	_, _, err = b.Convert(nil, []string{"ivan@example.com", "Иван", "31.02.1990", ""})
	var rowErr *mapping.RowError
	if errors.As(err, &rowErr) {
		fmt.Println(rowErr.Code, rowErr)
	}
	// Output:
	// {"db_id":5,"matching":"email","email":"Ivan@Example.com","data":{"email":"Ivan@Example.com","_fname":"Иван","_bdate":"1990-01-15","phones":["+79001234567"]}} ivan@example.com <nil>
	// invalid_value column "Birthday": "31.02.1990" is not a date in the form DD.MM.YYYY
}

func ExampleMapping_Bind() {
	m, err := mapping.Parse(strings.NewReader("db_id: 5\nfields:\n  email: Email\n"), "m.yaml")
	if err != nil {
		log.Fatal(err)
	}
	_, err = m.Bind([]string{"email ", "Name"})
	fmt.Println(err, errors.Is(err, mapping.ErrUnknownColumn))
	// Output:
	// m.yaml:3: fields.email: no column "Email" in the header; did you mean "email "? true
}
