#!/bin/sh
# Pre-deploy action of each function in s.yaml, run from the project root:
#
#     sh scripts/build/predeploy.sh <function>
#
# The registry package (go run ./scripts/publish) ships every function already built for linux/amd64,
# with functions/<function>/build.sha256 recording the SHA-256 of the binary and of every source file it
# was built from. When those all still match, the binary is current and nothing is built, so a one-click
# deploy needs no Go at all (the Serverless Application Center offers Go 1.18-1.21 only; this module
# needs a newer Go: help.aliyun.com document 2703085). Otherwise (a git clone, or edited sources) the
# function is built with `go run ./scripts/build <function>`, which needs the Go of go.mod.
set -eu

name=${1:?usage: sh scripts/build/predeploy.sh <function>}
manifest=functions/$name/build.sha256
bin=functions/$name/dist/main

sha256_check() {
	if command -v sha256sum >/dev/null 2>&1; then
		grep -v '^#' "$manifest" | sha256sum -c --status -
	elif command -v shasum >/dev/null 2>&1; then
		grep -v '^#' "$manifest" | shasum -a 256 -c -s -
	else
		echo "predeploy: neither sha256sum nor shasum found; cannot check $bin" >&2
		return 1
	fi
}

# Every non-test Go file in a directory the manifest lists must be listed too (a new file changes the
# build as much as an edited one).
no_new_files() {
	for dir in $(grep -v '^#' "$manifest" | awk '{print $2}' | grep '\.go$' | sed 's|/[^/]*$||' | sort -u); do
		for f in "$dir"/*.go; do
			[ -f "$f" ] || continue
			case $f in *_test.go) continue ;; esac
			awk -v f="$f" '$2 == f { found = 1 } END { exit !found }' "$manifest" || {
				echo "predeploy: $f is not in $manifest" >&2
				return 1
			}
		done
	done
}

if [ -f "$manifest" ] && [ -f "$bin" ]; then
	if sha256_check && no_new_files; then
		chmod 755 "$bin"
		echo "predeploy: $bin is current (built by scripts/publish; $manifest matches); not rebuilding"
		exit 0
	fi
	echo "predeploy: the sources changed since $bin was built ($manifest does not match); rebuilding" >&2
fi

if ! command -v go >/dev/null 2>&1; then
	echo "predeploy: no current prebuilt $bin and no Go on PATH: install the Go version of go.mod, or deploy the registry package (go run ./scripts/publish), which ships the binaries" >&2
	exit 1
fi
exec go run ./scripts/build "$name"
