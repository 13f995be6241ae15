package fcemu

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// instance is one child process and the invocations handed to it.
type instance struct {
	cmd     *exec.Cmd
	started time.Time
	queue   chan *invocation // unbuffered: a send succeeds when a /next takes it
	ready   chan struct{}    // closed once the initializer (if any) succeeded
	exited  chan struct{}    // closed after the process is reaped
	exitErr error            // set before exited is closed

	mu       sync.Mutex
	dead     bool
	inflight map[string]*invocation
}

// childEnv is a function process's environment, as FC sets it for both runtimes: PATH, HOME,
// the entry's own variables (entry), the function's FC_* variables, the role's credentials when
// o.RoleEnv, then o.Env (exec keeps the last value of a duplicated key).
func childEnv(o Options, home string, entry ...string) []string {
	env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}, entry...)
	env = append(env,
		"FC_FUNCTION_NAME="+o.FunctionName,
		"FC_FUNCTION_MEMORY_SIZE="+strconv.Itoa(o.MemoryMB),
		"FC_REGION="+o.Region,
		"FC_ACCOUNT_ID="+o.AccountID,
		"FC_INSTANCE_ID="+newRequestID(o.Now())[2:],
		"FC_FUNC_CODE_PATH="+filepath.Dir(o.Binary),
	)
	if o.RoleEnv && o.Credentials != nil {
		ak, sk, tok := o.Credentials()
		env = append(env,
			"ALIBABA_CLOUD_ACCESS_KEY_ID="+ak,
			"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+sk,
			"ALIBABA_CLOUD_SECURITY_TOKEN="+tok)
	}
	return append(env, o.Env...)
}

// spawn starts a new child process and makes it the current instance.
func (f *Function) spawn() (*instance, error) {
	o := f.opts
	env := childEnv(o, f.home, "FC_RUNTIME_API="+f.ln.Addr().String(), "FC_FUNCTION_HANDLER="+o.Handler)

	cmd := exec.Command(o.Binary)
	cmd.Env = env
	cmd.Dir = filepath.Dir(o.Binary)
	cmd.Stdout = o.Stdout
	cmd.Stderr = o.Stderr
	cmd.WaitDelay = time.Second // don't hang on output pipes held by a grandchild

	inst := &instance{
		cmd:      cmd,
		queue:    make(chan *invocation),
		ready:    make(chan struct{}),
		exited:   make(chan struct{}),
		inflight: map[string]*invocation{},
	}
	// Start under f.mu, checking closing, so Close cannot miss a process started concurrently.
	f.mu.Lock()
	if f.closing {
		f.mu.Unlock()
		return nil, ErrClosed
	}
	if err := cmd.Start(); err != nil {
		f.mu.Unlock()
		return nil, fmt.Errorf("fcemu: start %s: %w", o.Binary, err)
	}
	inst.started = time.Now()
	f.cur = inst
	close(f.curChanged)
	f.curChanged = make(chan struct{})
	f.mu.Unlock()

	go func() {
		err := cmd.Wait()
		if err == nil {
			err = fmt.Errorf("exit status 0")
		}
		inst.mu.Lock()
		inst.dead = true
		inst.exitErr = err
		lost := inst.inflight
		inst.inflight = nil
		inst.mu.Unlock()
		for _, inv := range lost {
			inv.finish(outcome{err: fmt.Errorf("%w: %v", ErrInstanceExited, err)})
		}
		close(inst.exited)
	}()
	return inst, nil
}

// take records inv as handed to this process; false if the process already exited.
func (inst *instance) take(inv *invocation) bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.dead {
		return false
	}
	inst.inflight[inv.id] = inv
	return true
}

// forget drops inv from the in-flight set once it has a result or gave up.
func (inst *instance) forget(id string) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	delete(inst.inflight, id)
}

func (inst *instance) isDead() bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return inst.dead
}

func (inst *instance) kill() { _ = inst.cmd.Process.Kill() }
