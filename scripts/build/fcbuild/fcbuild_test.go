package fcbuild_test

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

// scratchModule writes a module with the project's module path and one stdlib-only function, so the
// builder is tested without the real functions (and without network).
func scratchModule(t *testing.T, fn string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod": "module " + fcbuild.ModulePath + "\n\ngo 1.22\n",
		filepath.Join("functions", fn, "main.go"):            "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
		filepath.Join("functions", "notafunction", "README"): "no main.go here\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestBuildWritesLinuxBinaryAndZip(t *testing.T) {
	root := scratchModule(t, "hello")
	// A stale file in dist must not survive: dist is uploaded as is.
	stale := filepath.Join(root, "functions", "hello", "dist", "stale.txt")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, []byte("x"), 0o644)

	names, err := fcbuild.Functions(root)
	if err != nil || len(names) != 1 || names[0] != "hello" {
		t.Fatalf("Functions = %v, %v; want [hello]", names, err)
	}
	b := fcbuild.Builder{Root: root, Env: append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")}
	results, err := b.BuildAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	r := results[0]
	if want := filepath.Join(root, "functions", "hello", "dist", "main"); r.Binary != want {
		t.Errorf("Binary = %s, want %s", r.Binary, want)
	}
	if want := filepath.Join(root, "functions", "hello", "function.zip"); r.Zip != want {
		t.Errorf("Zip = %s, want %s", r.Zip, want)
	}
	entries, _ := os.ReadDir(r.Dist)
	if len(entries) != 1 || entries[0].Name() != "main" {
		t.Errorf("dist holds %v, want only main", entries)
	}

	bin, err := os.ReadFile(r.Binary)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(bin)) != r.BinaryBytes {
		t.Errorf("BinaryBytes = %d, file has %d", r.BinaryBytes, len(bin))
	}
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("binary is not ELF: %v", err)
	}
	if f.Machine != elf.EM_X86_64 || f.Class != elf.ELFCLASS64 {
		t.Errorf("binary is %v %v, want x86-64 ELF64", f.Machine, f.Class)
	}
	if f.Section(".symtab") != nil {
		t.Error("binary has a symbol table; want it stripped (-ldflags=-s)")
	}

	zr, err := zip.OpenReader(r.Zip)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "main" {
		t.Fatalf("zip entries: %v, want exactly main", zr.File)
	}
	zf := zr.File[0]
	if zf.Mode().Perm() != 0o755 || !zf.Mode().IsRegular() {
		t.Errorf("zip main mode = %v, want -rwxr-xr-x", zf.Mode())
	}
	if zf.CreatorVersion>>8 != 3 {
		t.Errorf("zip creator = %d, want 3 (Unix) so that the mode is honoured", zf.CreatorVersion>>8)
	}
	rc, _ := zf.Open()
	var got bytes.Buffer
	got.ReadFrom(rc)
	rc.Close()
	if !bytes.Equal(got.Bytes(), bin) {
		t.Error("zip main differs from dist/main")
	}

	var table strings.Builder
	fcbuild.WriteTable(&table, results, root)
	if !strings.Contains(table.String(), "hello") || !strings.Contains(table.String(), "binary bytes") {
		t.Errorf("size table:\n%s", table.String())
	}
	t.Logf("\n%s", table.String())
}

func TestWriteZipIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "main")
	os.WriteFile(bin, bytes.Repeat([]byte("binary"), 1000), 0o755)
	a, b := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	if err := fcbuild.WriteZip(a, bin); err != nil {
		t.Fatal(err)
	}
	if err := fcbuild.WriteZip(b, bin); err != nil {
		t.Fatal(err)
	}
	za, _ := os.ReadFile(a)
	zb, _ := os.ReadFile(b)
	if !bytes.Equal(za, zb) {
		t.Error("two zips of the same binary differ")
	}
}

func TestBuildRejectsUnknownAndInvalidNames(t *testing.T) {
	root := scratchModule(t, "hello")
	b := fcbuild.Builder{Root: root}
	for _, name := range []string{"missing", "../hello", "Hello", ""} {
		if _, err := b.Build(context.Background(), name); err == nil {
			t.Errorf("Build(%q) succeeded, want an error", name)
		}
	}
}

func TestFindRoot(t *testing.T) {
	root := scratchModule(t, "hello")
	got, err := fcbuild.FindRoot(filepath.Join(root, "functions", "hello"))
	if err != nil || got != root {
		t.Errorf("FindRoot = %q, %v; want %q", got, err, root)
	}
	if _, err := fcbuild.FindRoot(t.TempDir()); err == nil {
		t.Error("FindRoot outside the module succeeded")
	}
}

// TestBuildIgnoresWorkspace: a deployed function is built from the product module's go.mod alone.
// The scratch module's go.work names a module that does not exist, so any go command that used the
// workspace would fail.
func TestBuildIgnoresWorkspace(t *testing.T) {
	root := scratchModule(t, "hello")
	if err := os.WriteFile(filepath.Join(root, "go.work"), []byte("go 1.22\n\nuse (\n\t.\n\t./missing\n)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := fcbuild.Builder{Root: root}
	if _, err := b.Build(context.Background(), "hello"); err != nil {
		t.Errorf("Build under a go.work: %v", err)
	}
	if files, err := b.Inputs(context.Background(), "hello"); err != nil || len(files) == 0 {
		t.Errorf("Inputs under a go.work = %v, %v", files, err)
	}
}

// TestFindRootFromToolingModule: from inside the tooling module (scripts/, a module of its own)
// FindRoot still finds the product module's root.
func TestFindRootFromToolingModule(t *testing.T) {
	root := scratchModule(t, "hello")
	tools := filepath.Join(root, "scripts", "build")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "scripts", "go.mod"), []byte("module "+fcbuild.ModulePath+"/scripts\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := fcbuild.FindRoot(tools); err != nil || got != root {
		t.Errorf("FindRoot = %q, %v; want %q", got, err, root)
	}
}
