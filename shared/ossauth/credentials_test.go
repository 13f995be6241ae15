package ossauth

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	c := Credentials{AccessKeyID: "STS.NUexampleid", AccessKeySecret: "the-secret-value", SecurityToken: "the-token-value"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "creds", c)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), logs.String()} {
		if strings.Contains(s, "the-secret-value") || strings.Contains(s, "the-token-value") || strings.Contains(s, "NUexampleid") {
			t.Errorf("leaked: %s", s)
		}
	}
}
