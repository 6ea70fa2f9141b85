package main

import (
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=..."; it wins over the module version.
var version = ""

// buildInfo is which build is running: the module version and the VCS revision and time the
// go command records in the binary (runtime/debug.ReadBuildInfo) when it builds from a checkout.
type buildInfo struct {
	Version  string // v0.4.0; a pseudo-version for an untagged commit; "dev" when none is known
	Revision string // 3f2a1c9 (the first 7 hex digits); "" when the build had no VCS information
	Time     string // the commit's time, RFC 3339
	Modified bool   // built from a checkout with uncommitted changes
	Go       string // the Go version it was built with
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: "dev"}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		b.Go = bi.GoVersion
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			b.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value[:min(len(s.Value), 7)]
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		b.Version = version
	}
	return b
}

// String is the version as `acimport version` prints it, and as the summary and the metrics
// carry it: "v0.4.0 (3f2a1c9, 2026-12-01T10:00:00Z)", "-modified" after a dirty revision.
func (b buildInfo) String() string {
	if b.Revision == "" {
		return b.Version
	}
	rev := b.Revision
	if b.Modified {
		rev += "-modified"
	}
	if b.Time != "" {
		rev += ", " + b.Time
	}
	return b.Version + " (" + rev + ")"
}

// buildVersion is readBuildInfo().String().
func buildVersion() string { return readBuildInfo().String() }
