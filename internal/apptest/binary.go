package apptest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Binary is the ihome binary for a test that runs the real process (kill
// -9, restore drills): $IHOME_BIN when set, else one built for the test
// into its temporary directory.
func Binary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("IHOME_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	bin := filepath.Join(t.TempDir(), "ihome")
	// "ihome" is the main package's import path: built from any directory of the module
	if out, err := exec.Command("go", "build", "-o", bin, "ihome").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
