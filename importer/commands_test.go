package importer

import "testing"

// A library caller, who hands no command lines, reads the advice as "the same
// command …"; a caller that does reads its own commands as given.
func TestCommandsWording(t *testing.T) {
	var zero Commands
	given := Commands{Again: "again", Resume: "resume", Auto: "auto", Resend: func(r []string) string { return "resend " + r[0] }}
	tests := []struct{ Name, Got, Want string }{
		{Name: "again", Got: zero.again(), Want: "the same command"},
		{Name: "resume", Got: zero.resume(), Want: "the same command with --resume"},
		{Name: "auto", Got: zero.auto(), Want: "the same command with --resume=auto"},
		{Name: "resend", Got: zero.resend([]string{"r.csv"}),
			Want: "the same command with the reject file instead of the input (and without --reject, --results, --summary)"},
		{Name: "given again", Got: given.again(), Want: "again"},
		{Name: "given resume", Got: given.resume(), Want: "resume"},
		{Name: "given auto", Got: given.auto(), Want: "auto"},
		{Name: "given resend", Got: given.resend([]string{"r.csv"}), Want: "resend r.csv"},
	}
	for _, tc := range tests {
		if tc.Got != tc.Want {
			t.Errorf("%s: %q, want %q", tc.Name, tc.Got, tc.Want)
		}
	}
}
