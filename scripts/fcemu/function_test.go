package fcemu_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
)

func TestInvokeRawEvent(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	// Not JSON: the SDK cannot decode it into HTTPTriggerEvent and posts an /error.
	res, err := h.fn.Invoke(context.Background(), []byte("not json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Error == nil || res.Payload != nil || res.RequestID == "" {
		t.Fatalf("result %+v", res)
	}
	res, err = h.fn.Invoke(context.Background(), []byte(`{"version":"v1","rawPath":"/status","requestContext":{"http":{"path":"/status"}},"queryParameters":{"code":"201"}}`))
	if err != nil || res.Error != nil {
		t.Fatal(err, res.Error)
	}
	if !strings.Contains(string(res.Payload), `"statusCode":201`) {
		t.Errorf("payload %s", res.Payload)
	}
}

func TestChildEnvironmentIsClean(t *testing.T) {
	// Not parallel: t.Setenv.
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "parent-leak")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "parent-leak")
	h := start(t, func(o *fcemu.Options) { o.Env = []string{"ECHO_EXTRA=given"} })
	env := decodeEcho(t, h.get(t, "/env")).Env
	if _, ok := env["ALIBABA_CLOUD_ACCESS_KEY_ID"]; ok {
		t.Error("the parent's ALIBABA_CLOUD_ACCESS_KEY_ID reached the child")
	}
	if env["ECHO_EXTRA"] != "given" || env["FC_FUNCTION_NAME"] != "echo" || env["FC_REGION"] != fcemu.DefaultRegion || env["FC_RUNTIME_API"] != h.fn.RuntimeAPI() {
		t.Errorf("env %v", env)
	}
	if home := os.Getenv("HOME"); env["HOME"] == "" || env["HOME"] == home {
		t.Errorf("HOME %q is not a temp dir", env["HOME"])
	}
}

func TestRoleEnv(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *fcemu.Options) {
		o.RoleEnv = true
		o.Credentials = func() (string, string, string) { return "STS.env", "envsecret", "envtoken" }
	})
	env := decodeEcho(t, h.get(t, "/env")).Env
	if env["ALIBABA_CLOUD_ACCESS_KEY_ID"] != "STS.env" || env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] != "envsecret" {
		t.Errorf("env %v", env)
	}
}

func TestInitializerRunsFirst(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *fcemu.Options) { o.Initializer = true })
	if !decodeEcho(t, h.get(t, "/x")).Initialized {
		t.Error("initializer did not run before the first invocation")
	}
	h2 := start(t, nil)
	if decodeEcho(t, h2.get(t, "/x")).Initialized {
		t.Error("initializer ran without Options.Initializer")
	}
}

func TestProcessExitIs502AndRestarts(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *fcemu.Options) { o.Initializer = true })
	pid := h.fn.PID()
	if e := decodeError(t, h.get(t, "/exit"), 502); e.ErrorType != "InstanceExited" || !strings.Contains(e.ErrorMessage, "exit status 3") {
		t.Errorf("%+v", e)
	}
	e := decodeEcho(t, h.get(t, "/after-restart"))
	if !e.Initialized {
		t.Error("the restarted process was not initialised")
	}
	if np := h.fn.PID(); np == pid || np == 0 {
		t.Errorf("pid %d after restart, was %d", np, pid)
	}
}

func TestCloseKillsTheChild(t *testing.T) {
	t.Parallel()
	fn, err := fcemu.Start(context.Background(), fcemu.Options{Binary: echoBinary})
	if err != nil {
		t.Fatal(err)
	}
	pid := fn.PID()
	if pid == 0 {
		t.Fatal("no child pid")
	}
	if err := fn.Close(); err != nil {
		t.Fatal(err)
	}
	// The child was reaped by Close: the pid no longer exists (kill -0 fails with ESRCH).
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("child %d still exists after Close: %v", pid, err)
	}
	if fn.PID() != 0 {
		t.Error("PID() after Close")
	}
	if _, err := fn.Invoke(context.Background(), []byte(`{}`)); !errors.Is(err, fcemu.ErrClosed) {
		t.Errorf("Invoke after Close: %v", err)
	}
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, "/x", nil)
	fn.ServeHTTP(rec, req)
	if rec.status != http.StatusServiceUnavailable {
		t.Errorf("front after Close: %d", rec.status)
	}
	if err := fn.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	if _, err := fcemu.Start(context.Background(), fcemu.Options{}); err == nil {
		t.Error("no Binary accepted")
	}
	if _, err := fcemu.Start(context.Background(), fcemu.Options{Binary: "/nonexistent/handler"}); err == nil {
		t.Error("missing binary accepted")
	}
}

type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) { r.status = s }
