package altcraft

import "testing"

func TestMethods(t *testing.T) {
	tests := []struct {
		Name  string
		Op    Operation
		Batch bool
		Path  string
	}{
		{Name: "upsert", Op: Upsert, Path: "/api/v1.1/profiles/import"},
		{Name: "update", Op: Update, Path: "/api/v1.1/profiles/update"},
		{Name: "add", Op: Add, Path: "/api/v1.1/profiles/add"},
		{Name: "upsert batch", Op: Upsert, Batch: true, Path: "/api/v1.1/profiles/import_batch"},
		{Name: "update batch", Op: Update, Batch: true, Path: "/api/v1.1/profiles/update_batch"},
		{Name: "add batch", Op: Add, Batch: true, Path: "/api/v1.1/profiles/add_batch"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			m := tc.Op.Method(tc.Batch)
			if m.Path() != tc.Path || m.Batch() != tc.Batch || m.Operation() != tc.Op {
				t.Fatalf("%s: path %s batch %v op %s", m, m.Path(), m.Batch(), m.Operation())
			}
			for _, p := range []string{tc.Path, tc.Path + "/"} {
				if got, ok := MethodOfPath(p); !ok || got != m {
					t.Errorf("MethodOfPath(%q) = %q, %v", p, got, ok)
				}
			}
		})
	}
	if _, ok := MethodOfPath("/api/v1.1/profiles/delete"); ok {
		t.Error("an unknown method is known")
	}
}

func TestModeKeys(t *testing.T) {
	tests := []struct {
		Mode      Mode
		Key       KeyKind
		Resource  bool
		InProfile bool
	}{
		{MatchEmail, KeyEmail, false, true},
		{MatchEmailProfile, KeyEmail, false, true},
		{MatchEmailSub, KeyEmail, true, false},
		{MatchPhone, KeyPhone, false, true},
		{MatchPhoneSub, KeyPhone, true, false},
		{MatchProfileID, KeyProfileID, false, false},
		{MatchPushSub, KeyPush, true, false},
		{MatchCustom, KeyCustom, false, true},
		{MatchCustomSub, KeyCustom, true, false},
		{MatchEmailPhone, KeyEmailPhone, false, true},
		{MatchEmailPhoneSub, KeyEmailPhone, true, false},
		{"nonsense", KeyUnknown, false, false},
	}
	for _, tc := range tests {
		t.Run(string(tc.Mode), func(t *testing.T) {
			if tc.Mode.Key() != tc.Key || tc.Mode.NeedsResource() != tc.Resource || tc.Mode.KeyInProfile() != tc.InProfile {
				t.Errorf("key %v resource %v in profile %v", tc.Mode.Key(), tc.Mode.NeedsResource(), tc.Mode.KeyInProfile())
			}
		})
	}
	if len(Modes) != 11 {
		t.Errorf("%d modes, the vendor lists 11", len(Modes))
	}
}

func TestRunWide(t *testing.T) {
	if !CodeNotFound.RunWide(DatabaseNotFoundText(7)) || CodeNotFound.RunWide("Resource 3 not found") {
		t.Error("a missing database stops the run, a missing resource does not")
	}
	if CodeConflict.RunWide("more than one profile") || CodeConflict.Reject() != "api_409" {
		t.Error("409 is one row's rejection api_409")
	}
}

func TestAppendAnswers(t *testing.T) {
	if got := string(AppendSuccess(nil, "abc")); got != `{"error":0,"error_text":"Successful operation","profile_id":"abc"}` {
		t.Errorf("AppendSuccess = %s", got)
	}
	if id, ok := plainSuccess(AppendSuccess(nil, "abc")); !ok || id != "abc" {
		t.Errorf("the client's fast path does not read the success answer: %q %v", id, ok)
	}
	if got := string(AppendError(nil, 400, "bad \"x\" <y>")); got != `{"error":400,"error_text":"bad \"x\" \u003cy\u003e"}` {
		t.Errorf("AppendError = %s", got)
	}
}
