package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEDocumentsEverySetting keeps the README's configuration table in step with Settings.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings {
		if !strings.Contains(string(readme), "| `"+s.Name+"` |") {
			t.Errorf("README.md has no configuration row for %s", s.Name)
		}
	}
}
