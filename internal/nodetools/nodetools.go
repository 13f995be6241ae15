// Package nodetools makes the project's Node packages (scripts/node: ali-oss, Uppy 6 and 5, and the
// Serverless Devs CLI) available to Go tests and to the local stack, installing them with `npm ci` from the
// committed lock file when they are missing. A file lock keeps parallel test binaries from
// installing twice.
package nodetools

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
)

// Dir returns the absolute path of scripts/node in this checkout.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "node")
}

// Modules returns the node_modules folder of scripts/node.
func Modules() string { return filepath.Join(Dir(), "node_modules") }

// Ensure installs the Node packages if ali-oss or the Serverless Devs CLI is missing, and returns the
// node_modules folder. It needs node and npm on PATH.
func Ensure() (string, error) {
	mods := Modules()
	// The check takes the lock too: npm ci writes the files installed() looks for before it has
	// finished, so another test binary must not see a half-installed node_modules as ready.
	lock, err := os.OpenFile(filepath.Join(Dir(), ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if installed(mods) {
		return mods, nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return "", fmt.Errorf("nodetools: npm is not on PATH (install Node.js 18+): %w", err)
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = Dir()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("nodetools: npm ci in %s failed: %v\n%s", Dir(), err, out)
	}
	if !installed(mods) {
		return "", fmt.Errorf("nodetools: npm ci did not install ali-oss, uppy, uppy5 and @serverless-devs/s into %s", mods)
	}
	return mods, nil
}

func installed(mods string) bool {
	for _, p := range []string{"ali-oss/package.json", "ali-oss/dist/aliyun-oss-sdk.min.js", ".bin/s", "uppy/dist/uppy.min.js", "uppy5/dist/uppy.min.js"} {
		if _, err := os.Stat(filepath.Join(mods, p)); err != nil {
			return false
		}
	}
	return true
}
