package mapping

import "testing"

func TestGuessDateFormat(t *testing.T) {
	tests := []struct {
		Name      string
		Values    []string
		Format    string
		DateTime  bool
		Ambiguous string
		Fits      int
		None      bool
	}{
		{Name: "day first told by a day above 12", Values: []string{"01.02.1990", "15.03.1985", ""}, Format: "DD.MM.YYYY", Fits: 2},
		{Name: "month first told by a day above 12", Values: []string{"01.02.1990", "03.15.1985"}, Format: "MM.DD.YYYY", Fits: 2},
		{Name: "cannot tell: day first, said so", Values: []string{"01.02.1990", "03.04.1985"}, Format: "DD.MM.YYYY", Ambiguous: "MM.DD.YYYY", Fits: 2},
		{Name: "US slashes", Values: []string{"12/31/1999", "1/2/2000"}, Format: "MM/DD/YYYY", Fits: 2},
		{Name: "ISO", Values: []string{"1990-01-15", "2001-12-31"}, Format: "YYYY-MM-DD", Fits: 2},
		{Name: "two-digit years", Values: []string{"15.01.90"}, Format: "DD.MM.YY", Fits: 1},
		{Name: "datetime", Values: []string{"15.01.2024 10:30", "16.01.2024 23:59"}, Format: "DD.MM.YYYY hh:mm", DateTime: true, Fits: 2},
		{Name: "ISO datetime", Values: []string{"2024-01-15T10:30:00"}, Format: "YYYY-MM-DDThh:mm:ss", DateTime: true, Fits: 1},
		{Name: "most values win", Values: []string{"15.01.1990", "16.01.1990", "1990-01-17"}, Format: "DD.MM.YYYY", Fits: 2},
		{Name: "not dates", Values: []string{"abc", "12345"}, None: true},
		{Name: "only blanks", Values: []string{"", " "}, None: true},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			g, ok := GuessDateFormat(tc.Values)
			if ok == tc.None {
				t.Fatalf("ok = %v, want %v (%+v)", ok, !tc.None, g)
			}
			if tc.None {
				return
			}
			if g.Format != tc.Format || g.DateTime != tc.DateTime || g.Ambiguous != tc.Ambiguous || g.Fits != tc.Fits {
				t.Errorf("got %+v, want format %q datetime %v ambiguous %q fits %d", g, tc.Format, tc.DateTime, tc.Ambiguous, tc.Fits)
			}
		})
	}
}
