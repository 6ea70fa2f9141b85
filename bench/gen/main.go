// Command gen writes the benchmark CSV file of bench/compare.sh: customers with 8 columns
// (email, first_name, last_name, birthday, gender, phone, crm_id, city) for bench/customers.yaml.
// Every row is valid and has its own email. The same -rows and -seed give the same file.
//
// With -body it also writes the request body of the first row, as acimport would send it, for vegeta.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/acimport/acimport/mapping"
)

var (
	firstNames = []string{"Иван", "Мария", "Пётр", "Анна", "Ольга", "Sergey", "Elena", "Dmitry", "Алексей", "Наталья", "John", "Татьяна"}
	lastNames  = []string{"Петров", "Иванова", "Сидоров", "Smith", "Кузнецова", "Попов", "Lee", "Волкова", "Соколов", "Морозова"}
	cities     = []string{"Москва", "Санкт-Петербург", "Казань", "Novosibirsk", "Екатеринбург", "Самара", "Omsk", "Тверь"}
	domains    = []string{"example.com", "mail.example.ru", "example.org", "test.example.net"}
)

func main() {
	rows := flag.Int("rows", 1000, "rows to write")
	out := flag.String("out", "customers.csv", "the CSV file to write")
	seed := flag.Uint64("seed", 1, "random seed")
	body := flag.String("body", "", "also write the request body of the first row to this file")
	mappingPath := flag.String("mapping", "bench/customers.yaml", "the mapping, for -body")
	customers := flag.Int("customers", 0, "distinct customers: row i is customer i mod N, so the API updates\nmore than it creates (0: every row a new customer)")
	flag.Parse()
	if err := run(*rows, *customers, *out, *seed, *body, *mappingPath); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(rows, customers int, out string, seed uint64, bodyPath, mappingPath string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	header := []string{"email", "first_name", "last_name", "birthday", "gender", "phone", "crm_id", "city"}
	writeRow(w, header)
	rng := rand.New(rand.NewPCG(seed, 7))
	var first []string
	rec := make([]string, len(header))
	for i := range rows {
		row(rng, i, rec)
		if customers > 0 {
			c := i % customers
			rec[0] = "customer" + strconv.Itoa(c) + "@" + domains[c%len(domains)]
		}
		if i == 0 {
			first = append([]string(nil), rec...)
		}
		writeRow(w, rec)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if bodyPath == "" || first == nil {
		return nil
	}
	m, err := mapping.Load(mappingPath)
	if err != nil {
		return err
	}
	b, err := m.Bind(header)
	if err != nil {
		return err
	}
	data, _, err := b.Convert(nil, first)
	if err != nil {
		return err
	}
	return os.WriteFile(bodyPath, data, 0o644)
}

// row fills rec with customer i. Phones come in the shapes CRM exports have.
func row(rng *rand.Rand, i int, rec []string) {
	first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
	rec[0] = "customer" + strconv.Itoa(i) + "@" + domains[rng.IntN(len(domains))]
	rec[1], rec[2] = first, last
	rec[3] = fmt.Sprintf("%02d.%02d.%d", 1+rng.IntN(28), 1+rng.IntN(12), 1950+rng.IntN(55))
	rec[4] = [...]string{"M", "F", "f", "m"}[rng.IntN(4)]
	n := 9000000000 + rng.Int64N(999999999)
	d := strconv.FormatInt(n, 10)
	switch rng.IntN(5) {
	case 0:
		rec[5] = "+7 " + d[:3] + " " + d[3:6] + "-" + d[6:8] + "-" + d[8:]
	case 1:
		rec[5] = "8 (" + d[:3] + ") " + d[3:6] + "-" + d[6:8] + "-" + d[8:]
	case 2:
		rec[5] = "7" + d
	case 3:
		rec[5] = "8" + d
	default:
		rec[5] = "+7" + d
	}
	rec[6] = strconv.Itoa(100000 + i)
	rec[7] = cities[rng.IntN(len(cities))]
}

func writeRow(w *bufio.Writer, rec []string) {
	for i, f := range rec {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString(f)
	}
	w.WriteByte('\n')
}
