package fcweb

import (
	"fmt"
	"net/http"
	"os"
)

// Serve serves h as a go1 function when the go1 runtime started the process (FC_RUNTIME_API is
// set, the one variable the SDK needs; startGo1 never returns), else as a custom runtime's HTTP server
// (serveCustom). Only the entry differs; the handler is the same. It returns only when the server
// fails.
func Serve(h http.Handler) error {
	if os.Getenv("FC_RUNTIME_API") != "" {
		startGo1(h)
	}
	return serveCustom(h)
}

// Exit ends a function that cannot start (invalid settings, a failed server) with status 2 and
// err, which names what to fix.
func Exit(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}
