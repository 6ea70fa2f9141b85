// Command genxlsx writes the workbook benchmark's files (bench/xlsx.sh): the same customers, with
// 6 columns (email, first_name, phone, birthday, balance, city), as an .xlsx workbook (phones
// stored as numbers, birthdays as date cells, balances as decimals, one sheet, text in the
// shared-string table as Excel saves it) and as a CSV file, for bench/customers-xlsx.yaml. Every row is valid and has
// its own email, so the shared-string table holds one string a row and then some.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

var (
	firstNames = []string{"Иван", "Мария", "Пётр", "Анна", "Ольга", "Sergey", "Elena", "Dmitry", "Алексей", "Наталья", "John", "Татьяна"}
	cities     = []string{"Москва", "Санкт-Петербург", "Казань", "Novosibirsk", "Екатеринбург", "Самара", "Omsk", "Тверь"}
)

func main() {
	rows := flag.Int("rows", 200000, "rows to write")
	xlsxPath := flag.String("xlsx", "customers.xlsx", "the workbook to write")
	csvPath := flag.String("csv", "customers.csv", "the CSV file to write")
	flag.Parse()
	if err := write(*rows, *xlsxPath, *csvPath); err != nil {
		log.Fatal(err)
	}
}

func write(rows int, xlsxPath, csvPath string) error {
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	cf, err := os.Create(csvPath)
	if err != nil {
		return err
	}
	defer cf.Close()
	cw := bufio.NewWriter(cf)
	header := []any{"email", "first_name", "phone", "birthday", "balance", "city"}
	if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
		return err
	}
	fmt.Fprintln(cw, "email,first_name,phone,birthday,balance,city")
	base := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		email := fmt.Sprintf("user%d@example.com", i)
		name := firstNames[i%len(firstNames)]
		phone := 79000000000 + int64(i)*7919%1000000000
		bday := base.AddDate(0, 0, i*37%15000)
		balance := strconv.Itoa(i%100000) + "." + strconv.Itoa(i%100)
		city := cities[i%len(cities)]
		bal, _ := strconv.ParseFloat(balance, 64)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow("Sheet1", cell, &[]any{email, name, phone, bday, bal, city}); err != nil {
			return err
		}
		fmt.Fprintf(cw, "%s,%s,%d,%s,%s,%s\n", email, name, phone, bday.Format("02.01.2006"), strconv.FormatFloat(bal, 'f', -1, 64), city)
	}
	end, _ := excelize.CoordinatesToCellName(4, rows+1)
	if err := f.SetCellStyle("Sheet1", "D2", end, dateStyle); err != nil {
		return err
	}
	if err := f.SaveAs(xlsxPath); err != nil {
		return err
	}
	return cw.Flush()
}
