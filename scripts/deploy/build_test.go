package deploy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

// TestBuiltPackages builds every function of s.yaml with the build command's package and checks what
// `s deploy` would upload: the code directory holds exactly the handler binary, and the zip has it at
// its root, executable, as a static linux/amd64 ELF.
func TestBuiltPackages(t *testing.T) {
	root := repoRoot(t)
	sy := readSYAML(t)
	resources := mapValue(sy, "resources")
	b := fcbuild.Builder{Root: root}
	for _, fn := range functions {
		t.Run(fn, func(t *testing.T) {
			props := mapValue(mapValue(resources, fn), "props")
			if props == nil {
				t.Fatalf("s.yaml has no resource %s", fn)
			}
			handler := mapValue(props, "handler").Value
			code := mapValue(props, "code").Value
			if _, err := os.Stat(filepath.Join(root, "functions", fn, "main.go")); err != nil {
				t.Fatalf("functions/%s/main.go does not exist: nothing to deploy (%v)", fn, err)
			}
			res, err := b.Build(context.Background(), fn)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: binary %d bytes, zip %d bytes (%s)", fn, res.BinaryBytes, res.ZipBytes, res.Zip)

			// s.yaml's code directory is the build output and holds only the handler.
			dir := filepath.Join(root, code)
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatalf("code %s: %v", code, err)
			}
			if len(entries) != 1 || entries[0].Name() != handler {
				t.Errorf("code %s holds %v, want only the handler %q", code, entries, handler)
			}
			if st, err := os.Stat(filepath.Join(dir, handler)); err != nil || st.Mode().Perm()&0o111 == 0 {
				t.Errorf("code %s/%s is not an executable file (%v)", code, handler, err)
			}
			checkZip(t, res.Zip, handler)
		})
	}
}

// checkZip checks a go1 code package: exactly one entry, named handler, at the root, mode 0755, a
// statically linked x86-64 ELF executable.
func checkZip(t *testing.T, path, handler string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		t.Errorf("zip has %d entries, want 1", len(zr.File))
	}
	var f *zip.File
	for _, e := range zr.File {
		if e.Name == handler {
			f = e
		}
	}
	if f == nil {
		t.Fatalf("zip has no %q at its root", handler)
	}
	if f.Mode().Perm() != 0o755 || !f.Mode().IsRegular() {
		t.Errorf("zip %s mode = %v, want -rwxr-xr-x", handler, f.Mode())
	}
	if f.CreatorVersion>>8 != 3 {
		t.Errorf("zip creator %d, want 3 (Unix): otherwise the mode bits are ignored", f.CreatorVersion>>8)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	e, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("zip %s is not an ELF file: %v", handler, err)
	}
	if e.Class != elf.ELFCLASS64 || e.Machine != elf.EM_X86_64 || e.OSABI != elf.ELFOSABI_NONE && e.OSABI != elf.ELFOSABI_LINUX {
		t.Errorf("ELF %v %v %v, want 64-bit x86-64 Linux", e.Class, e.Machine, e.OSABI)
	}
	if e.Type != elf.ET_EXEC {
		t.Errorf("ELF type %v, want ET_EXEC (a static, non-PIE executable)", e.Type)
	}
	for _, p := range e.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("ELF has a %v segment: dynamically linked (build with CGO_ENABLED=0)", p.Type)
		}
	}
	if e.Section(".dynamic") != nil || e.Section(".interp") != nil {
		t.Error("ELF has .dynamic/.interp sections: dynamically linked")
	}
	if libs, _ := e.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("ELF imports %v", libs)
	}
	if e.Section(".symtab") != nil {
		t.Error("ELF has a symbol table: build with -ldflags=-s -w")
	}
}
