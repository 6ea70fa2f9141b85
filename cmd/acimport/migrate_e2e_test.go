package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// TestMigrationShapes: issue 19's done-when — init → check → import into the sandbox on the real
// files' shapes, db_id and resource_id filled in, imports the right status for every contact and
// no phone number that was not in the file.
func TestMigrationShapes(t *testing.T) {
	unisender, err := charmap.Windows1251.NewEncoder().String("Email;Телефон;Имя;Статус;Дата подписки\r\n" +
		"anna@example.ru;+7 (912) 345-67-89;Анна;активен;01.02.2023\r\n" +
		"boris@example.ru;+7 916 123-45-67;Борис;отписан;02.03.2023\r\n" +
		"vera@example.ru;;Вера;недоступен;03.04.2023\r\n" +
		"gleb@example.ru;+7 903 555-44-33;Глеб;не подтверждён;04.05.2023\r\n" +
		"dina@example.ru;+7 905 765-43-21;Дина;Отписан;05.06.2023\r\n")
	if err != nil {
		t.Fatal(err)
	}
	const usru = mcHeader + "\r\n" +
		`"ann@example.com","Ann","Lee","(521) 950-0029","2","2023-01-05 10:00:00","US",""` + "\r\n" +
		`"bob@example.com","Bob","Ray","+7 912 345-67-89","3","2023-02-06 11:00:00","RU",""` + "\r\n" +
		`"cid@example.com","Cid","Moe","(646) 555-0199","1","2023-03-07 12:00:00","US",""` + "\r\n" +
		`"dan@example.com","Dan","Poe","+1 212 555 0134","1","2023-03-07 12:00:00","US",""` + "\r\n" +
		`"eve@example.com","Eve","Kay","8 (916) 123-45-67","1","2023-03-07 12:00:00","RU",""` + "\r\n"
	const loyalty = "card_id;email;phone;txn_date;points\n" +
		"1001;a@example.com;+79001234567;2024-11-30;120\n1002;b@example.com;+79011234567;2024-11-29;-40\n1003;c@example.com;+79021234567;2024-12-01;15\n"
	const titled = "Выгрузка клиентов за ноябрь 2024\r\n;;Контакты;\r\nИмя;Фамилия;Email;Телефон\r\n" +
		"Анна;Ли;ann@example.ru;+79001234567\r\nБорис;Рей;bob@example.ru;+79011234567\r\n"
	tests := []struct {
		name   string
		files  map[string]string
		status map[string]string // email → the email subscription's status ("" for none)
		phones map[string]string // email → the one phone stored ("" for none)
		yaml   []string          // in the written mapping
	}{
		{name: "Mailchimp trio",
			files: map[string]string{"subscribed_members_export.csv": mcSubscribed, "unsubscribed_members_export.csv": mcUnsubscribed, "cleaned_members_export.csv": mcCleaned},
			status: map[string]string{"ann@example.com": "subscribed", "bob@example.com": "subscribed", "cid@example.com": "subscribed",
				"dan@example.com": "unsubscribed", "eve@example.com": "unsubscribed", "fay@example.com": "hardbounced"},
			yaml: []string{"status: unsubscribed", "status: hardbounced", "status: subscribed", `tags: { column: "TAGS", separator: "," }`}},
		{name: "UniSender cp1251 with Статус", files: map[string]string{"unisender.csv": unisender},
			status: map[string]string{"anna@example.ru": "subscribed", "boris@example.ru": "unsubscribed", "vera@example.ru": "hardbounced",
				"gleb@example.ru": "unconfirmed", "dina@example.ru": "unsubscribed"},
			phones: map[string]string{"anna@example.ru": "+79123456789", "boris@example.ru": "+79161234567", "vera@example.ru": ""},
			yaml:   []string{`status: { column: "Статус", values: {`, `"отписан": unsubscribed`, "channel: sms"}},
		{name: "US and RU numbers", files: map[string]string{"subscribed_members_export.csv": usru},
			status: map[string]string{"ann@example.com": "subscribed", "eve@example.com": "subscribed"},
			phones: map[string]string{"ann@example.com": "", "bob@example.com": "+79123456789", "cid@example.com": "", "dan@example.com": "+12125550134", "eve@example.com": ""},
			yaml:   []string{"several countries", "on_invalid: skip"}},
		{name: "loyalty delta", files: map[string]string{"loyalty_delta.csv": loyalty},
			phones: map[string]string{"a@example.com": "+79001234567"},
			yaml:   []string{`phones: { column: "phone", type: phone }`, `txn_date: { column: "txn_date", type: date, format: "YYYY-MM-DD" }`}},
		{name: "Excel export with title rows", files: map[string]string{"clients.csv": titled},
			phones: map[string]string{"ann@example.ru": "+79001234567"},
			yaml:   []string{"skip_lines: 2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			sb := startMigSandbox(t)
			var yamls string
			for name := range tc.files {
				csv, m := filepath.Join(dir, name), filepath.Join(dir, name+".yaml")
				if code, stdout, stderr := runCmd(t, "", "init", "-o", m, csv); code != exitOK {
					t.Fatalf("init %s: exit %d\n%s\n%s", name, code, stdout, stderr)
				}
				text, _ := os.ReadFile(m)
				// The user sets db_id and resource_id.
				filled := regexp.MustCompile(`(db_id|resource_id): 1 `).ReplaceAllString(string(text), "${1}: 7 ")
				os.WriteFile(m, []byte(filled), 0o600)
				yamls += filled
				code, stdout, stderr := runCmd(t, "", "check", "--no-progress", "-m", m, csv)
				if code != exitOK {
					t.Fatalf("check %s: exit %d\n%s\n%s\nmapping:\n%s", name, code, stdout, stderr, filled)
				}
				if code, _, stderr = runCmd(t, "", "import", "--no-progress", "--url", sb.URL, "-m", m, csv); code != exitOK {
					t.Fatalf("import %s: exit %d\n%s\nmapping:\n%s", name, code, stderr, filled)
				}
			}
			for _, w := range tc.yaml {
				if !strings.Contains(yamls, w) {
					t.Errorf("the mappings lack %s:\n%s", w, yamls)
				}
			}
			got := byEmail(sb)
			for email, want := range tc.status {
				if st := subStatus(got[email], "email"); st != want {
					t.Errorf("%s: email subscription status %q, want %q (%v)", email, st, want, got[email])
				}
			}
			for email, want := range tc.phones {
				phones, _ := got[email]["phones"].([]any)
				have := ""
				if len(phones) > 0 {
					have, _ = phones[0].(string)
				}
				if have != want || len(phones) > 1 {
					t.Errorf("%s: phones %v, want %q", email, phones, want)
				}
			}
			if len(got) == 0 {
				t.Fatal("nothing imported")
			}
		})
	}
}
