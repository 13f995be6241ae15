package devstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// Root returns the module root of this checkout.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Build compiles every function into outDir/<name>: exactly as deployed (fcbuild), or with -race
// (which needs cgo; such a binary is for local load tests only), and returns each binary's path.
func Build(ctx context.Context, outDir string, race bool) (map[string]string, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	bins := map[string]string{}
	for _, name := range config.Functions {
		out := filepath.Join(outDir, name)
		if !race {
			if err := (fcbuild.Builder{Root: Root()}).Compile(ctx, name, out); err != nil {
				return nil, fmt.Errorf("devstack: %w", err)
			}
		} else {
			cmd := exec.CommandContext(ctx, "go", "build", "-race", "-o", out, "./functions/"+name)
			cmd.Dir = Root()
			// From the product module alone, as fcbuild builds (the go.work also joins scripts/).
			cmd.Env = append(os.Environ(), "GOWORK=off")
			if b, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("devstack: building %s with -race: %v\n%s", name, err, b)
			}
		}
		bins[name] = out
	}
	return bins, nil
}
