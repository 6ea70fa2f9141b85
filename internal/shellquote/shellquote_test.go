package shellquote

import (
	"os/exec"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct{ Name, In, Want string }{
		{Name: "plain path", In: "/tmp/data/customers.csv", Want: "/tmp/data/customers.csv"},
		{Name: "flag with a value", In: "--results=out/r.csv", Want: "--results=out/r.csv"},
		{Name: "URL", In: "https://h.example:8443/x", Want: "https://h.example:8443/x"},
		{Name: "safe punctuation", In: "a_b.c:d=e@f%g+h,i-j", Want: "a_b.c:d=e@f%g+h,i-j"},
		{Name: "empty", In: "", Want: "''"},
		{Name: "space", In: "my dir/a.csv", Want: "'my dir/a.csv'"},
		{Name: "single quote", In: "it's.csv", Want: `'it'\''s.csv'`},
		{Name: "dollar", In: "$HOME", Want: "'$HOME'"},
		{Name: "glob", In: "*.csv", Want: "'*.csv'"},
		{Name: "tilde first", In: "~x", Want: "'~x'"},
		{Name: "non-ASCII letter", In: "ünï.csv", Want: "'ünï.csv'"},
		{Name: "newline", In: "a\nb", Want: "'a\nb'"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			if got := Quote(tc.In); got != tc.Want {
				t.Errorf("Quote(%q) = %s, want %s", tc.In, got, tc.Want)
			}
		})
	}
}

// A shell reads a joined command line back into the same words.
func TestJoinRoundTrip(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	words := []string{"printf", `%s\n`, "plain", "my dir", "it's", "", "$HOME", "*", "a\tb", "--x=y z", "ünï", `back\slash`, `"dq"`}
	out, err := exec.Command(sh, "-c", Join(words)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), strings.Join(words[2:], "\n")+"\n"; got != want {
		t.Errorf("the shell read back\n%q\nwant\n%q", got, want)
	}
}
