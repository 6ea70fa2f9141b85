// Package layout holds no code, only the test that keeps the module's folders
// stacked: cmd, bench → importer → mapping → leaves (internal/, sandbox), with
// no import running back up (see README, "Code layout").
package layout
