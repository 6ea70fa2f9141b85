package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// TestInitThenCheckAndImport is the newcomer's path with only the binary and a CSV file: init
// writes the mapping, check passes on the valid rows, the import into the sandbox sends them.
func TestInitThenCheckAndImport(t *testing.T) {
	russian, err := charmap.Windows1251.NewEncoder().String("sep=;\r\nФамилия;Имя;Эл. почта;Телефон;Дата рождения;Пол;Город;Бонусы\r\n" +
		"Иванова;Анна;anna@example.ru;8 (900) 123-45-67;15.01.1990;Ж;Москва;120\r\n" +
		"Петров;Иван;ivan@example.ru;+7 901 234-56-78;03.11.1985;М;Казань;0\r\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name, CSV string
		Body      []string // in check's sample request bodies
	}{
		{Name: "Russian Excel export", CSV: russian, Body: []string{`"_bdate": "1990-01-15"`, `"+79001234567"`, `"_sex": "female"`, `"_city": "Москва"`}},
		{Name: "English UTF-8", CSV: "First Name,Last Name,Email,Phone,Date of birth,Sex\nJane,Doe,jane@example.com,+1 212 555 0134,12/31/1990,F\n" +
			"John,Roe,john@example.com,+1 646 555 0199,01/02/1984,M\n", Body: []string{`"_bdate": "1990-12-31"`, `"+12125550134"`, `"_sex": "female"`}},
		{Name: "tab-separated", CSV: "email\tname\tcity\tpoints\nann@example.com\tAnn\tOmsk\t5\nbob@example.com\tBob\tTomsk\t7\n",
			Body: []string{`"email": "ann@example.com"`, `"_fname": "Ann"`, `"_city": "Omsk"`}},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			dir := t.TempDir()
			csv, m := filepath.Join(dir, "customers.csv"), filepath.Join(dir, "mapping.yaml")
			if err := os.WriteFile(csv, []byte(tc.CSV), 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCmd(t, "", "init", "-o", m, csv)
			if code != exitOK || stderr != "" {
				t.Fatalf("init: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			if want := "acimport check -m " + m + " " + csv; !strings.Contains(stdout, want) {
				t.Errorf("init does not say what to run next (%s):\n%s", want, stdout)
			}
			code, stdout, stderr = runCmd(t, "", "check", "-m", m, csv)
			if code != exitOK {
				text, _ := os.ReadFile(m)
				t.Fatalf("check: exit %d\nstdout: %s\nstderr: %s\nmapping:\n%s", code, stdout, stderr, text)
			}
			for _, want := range tc.Body {
				if !strings.Contains(stdout, want) {
					t.Errorf("check's request bodies lack %s:\n%s", want, stdout)
				}
			}
			if code, stdout, stderr = runCmd(t, "", "import", "--sandbox", "--no-progress", "-m", m, csv); code != exitOK {
				t.Fatalf("import --sandbox: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
		})
	}
}

func TestInitNeverOverwritesWithoutForce(t *testing.T) {
	dir := t.TempDir()
	csv, m := filepath.Join(dir, "c.csv"), filepath.Join(dir, "mapping.yaml")
	os.WriteFile(csv, []byte("email,name\na@example.com,A\n"), 0o600)
	os.WriteFile(m, []byte("mine\n"), 0o600)
	code, _, stderr := runCmd(t, "", "init", "-o", m, csv)
	if code != exitFailed || stderr != "acimport: "+m+" already exists: give --force to overwrite it, or -o to write another file\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if b, _ := os.ReadFile(m); string(b) != "mine\n" {
		t.Fatalf("the file was overwritten: %s", b)
	}
	if code, _, stderr = runCmd(t, "", "init", "--force", "-o", m, csv); code != exitOK {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(m); !strings.Contains(string(b), "email: { column: \"email\", type: email }") {
		t.Errorf("--force did not write the mapping:\n%s", b)
	}
	code, stdout, _ := runCmd(t, "", "init", "-o", "-", csv)
	if code != exitOK || !strings.HasPrefix(stdout, "# Mapping for ") {
		t.Errorf("-o -: exit %d, stdout %q", code, stdout)
	}
}

func TestInitWithoutAKeyColumnSaysWhatToSet(t *testing.T) {
	dir := t.TempDir()
	csv, m := filepath.Join(dir, "c.csv"), filepath.Join(dir, "m.yaml")
	os.WriteFile(csv, []byte("name,city\nAnn,Omsk\n"), 0o600)
	code, stdout, stderr := runCmd(t, "", "init", "-o", m, csv)
	if code != exitOK || !strings.Contains(stdout, "no email or phone column: set matching") ||
		!strings.Contains(stderr, "matching email needs a field email") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

// init tells to check the file next, in the mapping's first lines and on its output,
// with a name quoted for a shell only where it needs it.
func TestInitCheckCommandQuoted(t *testing.T) {
	tests := []struct{ Name, File, Output, Want string }{
		{Name: "plain names", File: "customers.csv", Output: "mapping.yaml", Want: "acimport check -m DIR/mapping.yaml DIR/customers.csv"},
		{Name: "a space and a quote", File: "it's my.csv", Output: "m x.yaml", Want: `acimport check -m 'DIR/m x.yaml' 'DIR/it'\''s my.csv'`},
		// % is safe for a shell: since the one quoter, it is no longer quoted here either.
		{Name: "percent", File: "100%.csv", Output: "m.yaml", Want: "acimport check -m DIR/m.yaml DIR/100%.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			dir := t.TempDir()
			csv, m := filepath.Join(dir, tc.File), filepath.Join(dir, tc.Output)
			os.WriteFile(csv, []byte("email,name\na@example.com,A\n"), 0o600)
			code, stdout, stderr := runCmd(t, "", "init", "-o", m, csv)
			if code != exitOK {
				t.Fatalf("init: exit %d\n%s", code, stderr)
			}
			want := strings.ReplaceAll(tc.Want, "DIR", dir)
			if !strings.Contains(stdout, "next, check every row with it:\n  "+want+"\n") {
				t.Errorf("init's output lacks %s:\n%s", want, stdout)
			}
			if text, _ := os.ReadFile(m); !strings.Contains(string(text), "\n#   "+want+"\n") {
				t.Errorf("the mapping's first lines lack %s:\n%s", want, text)
			}
		})
	}
}
