// Command publish assembles the Serverless Devs registry package of this application (what the FC
// console's one-click deploy installs) in the layout the registry requires:
//
//	<out>/publish.yaml   metadata and the deployment form's parameters
//	<out>/readme.md      scripts/publish/readme.md, the registry page (App Center tags)
//	<out>/version.md     the Version of publish.yaml
//	<out>/src/           the project itself, with src/s.yaml the template the form fills in
//
// src/ holds the files git tracks (no node_modules or local data) and every function built for
// linux/amd64 (functions/<name>/dist/main, reproducible: -trimpath, no VCS stamp) with a manifest of the
// hashes it was built from (functions/<name>/build.sha256). The console's pre-deploy step,
// scripts/build/predeploy.sh, then finds each binary current and builds nothing, so a one-click deploy
// needs no Go (the Serverless Application Center offers Go 1.18-1.21 only; help.aliyun.com document
// 2703085). Then, from <out>: `s registry login` and `s registry publish`.
//
//	go run ./scripts/publish -o /tmp/fc-oss-upload-registry
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

func main() {
	out := flag.String("o", "", "output directory (must not exist or be empty)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/publish -o <dir>")
		os.Exit(2)
	}
	wd, err := os.Getwd()
	if err == nil {
		var root string
		if root, err = fcbuild.FindRoot(wd); err == nil {
			var n int
			if n, err = Assemble(context.Background(), root, *out); err == nil {
				fmt.Printf("registry package in %s (%d files under src/); publish with: cd %s && s registry publish\n", *out, n, *out)
				return
			}
		}
	}
	fmt.Fprintln(os.Stderr, "publish:", err)
	os.Exit(1)
}
