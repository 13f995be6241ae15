package devstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// Root returns the module root of this checkout.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Build compiles every function as it is deployed (GOOS=linux GOARCH=amd64 CGO_ENABLED=0, -trimpath,
// -ldflags "-s -w") into outDir/<name>, with -race when race is set (for tests under load), and
// returns the binary path of each function.
func Build(ctx context.Context, outDir string, race bool) (map[string]string, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	bins := map[string]string{}
	for _, name := range config.Functions {
		out := filepath.Join(outDir, name)
		args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}
		env := append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
		if race {
			// The race detector needs cgo; such a binary is for local tests only.
			args = []string{"build", "-race", "-o", out}
			env = append(os.Environ(), "CGO_ENABLED=1")
		}
		cmd := exec.CommandContext(ctx, "go", append(args, "./functions/"+name)...)
		cmd.Dir = Root()
		cmd.Env = env
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("devstack: building %s: %v\n%s", name, err, b)
		}
		bins[name] = out
	}
	return bins, nil
}
