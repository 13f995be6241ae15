package ossauth

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
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

func ExampleCredential() {
	t := time.Date(2026, 11, 23, 23, 59, 59, 0, time.FixedZone("CST", 8*3600))
	fmt.Println(Credential("LTAI5tExample", t, "oss-cn-hangzhou"))
	// Output: LTAI5tExample/20261123/cn-hangzhou/oss/aliyun_v4_request
}
