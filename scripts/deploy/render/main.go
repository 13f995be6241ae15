// Command render fills the ${name} placeholders of a policy or CORS file of scripts/deploy and prints the
// result, refusing to print anything if a placeholder has no value, a value is unused or the result does
// not parse.
//
//	go run ./scripts/deploy/render -set bucket=my-bucket -set uploadDir=uploads/ \
//	    scripts/deploy/policies/upload-role.json > upload-role.json
//	go run ./scripts/deploy/render -set allowedOrigin=http://a.example -set allowedOrigin=https://b.example \
//	    scripts/deploy/bucket-cors.xml > cors.xml
//
// Giving a name several times repeats each line that holds it once per value.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/deploy"
)

type sets map[string][]string

func (s sets) String() string { return "" }

func (s sets) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return fmt.Errorf("want name=value, got %q", kv)
	}
	s[k] = append(s[k], v)
	return nil
}

func main() {
	values := sets{}
	flag.Var(values, "set", "`name=value` for the placeholder ${name}; repeatable")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/deploy/render -set name=value ... FILE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	name := flag.Arg(0)
	text, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
	out, err := deploy.Render(name, text, values)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
