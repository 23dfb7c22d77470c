package main

import (
	"os/exec"
	"testing"
)

// TestRepositoryPasses runs the README's command, go run ./cmd/ddxvet ./...
// from the repository root, tests included: it must report nothing, the
// deliberate misuses of the errors package's tests being marked
// //ddxvet:ignore.
func TestRepositoryPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("checks every package of the root module; skipped with -short")
	}
	cmd := exec.Command("go", "run", "./cmd/ddxvet", "./...")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./cmd/ddxvet ./...: %v\n%s", err, out)
	}
}
