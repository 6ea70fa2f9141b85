package csvio_test

import (
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/acimport/acimport/internal/csvio"
)

func Example() {
	in := "email;name\n" +
		"ann@example.com;Ann\n" +
		"bob@example.com;\"Bob; Jr.\";extra\n" +
		"cat@example.com;Cat\n"
	r, err := csvio.NewReader(strings.NewReader(in), "customers.csv", csvio.Options{Delimiter: "auto"})
	if err != nil {
		log.Fatal(err)
	}
	var rejects strings.Builder
	w := csvio.NewRejectWriter(&rejects, r)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		switch {
		case rec.Err != nil:
			err = w.Write(rec, "csv", rec.Err.Error())
		case strings.HasPrefix(rec.Fields[0], "cat"):
			err = w.Write(rec, "api_1", "Cats may not subscribe")
		default:
			fmt.Printf("line %d: %q\n", rec.Line, rec.Fields)
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	fmt.Print(rejects.String())
	// Output:
	// line 2: ["ann@example.com" "Ann"]
	// email;name;reject_line;reject_code;reject_reason
	// bob@example.com;"Bob; Jr.";extra;3;csv;line 3: wrong number of fields: 3, the header has 2
	// cat@example.com;Cat;4;api_1;Cats may not subscribe
}
