package fcemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// Function is one running emulated function: a child process, its runtime API and the HTTP front
// (ServeHTTP). It is safe for concurrent use. Start makes one; Close ends it.
type Function struct {
	opts  Options
	ln    net.Listener
	srv   *http.Server
	home  string
	slots chan struct{}

	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
	superDone chan struct{}

	mu         sync.Mutex
	closing    bool
	cur        *instance
	curChanged chan struct{} // closed and replaced whenever cur changes
	pending    map[string]*invocation
}

// Start starts the runtime API on a loopback port and the function's process, runs the
// initializer when Options.Initializer is set, and returns once the function can be invoked. ctx
// bounds the start-up only.
func Start(ctx context.Context, opts Options) (*Function, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(o.Binary); err != nil || st.IsDir() {
		return nil, fmt.Errorf("fcemu: Options.Binary %q is not an executable file", o.Binary)
	}
	home, err := os.MkdirTemp("", "fcemu-home-")
	if err != nil {
		return nil, fmt.Errorf("fcemu: temp HOME: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = os.RemoveAll(home)
		return nil, fmt.Errorf("fcemu: runtime API listen: %w", err)
	}
	f := &Function{
		opts:       o,
		ln:         ln,
		home:       home,
		slots:      make(chan struct{}, o.Concurrency),
		closed:     make(chan struct{}),
		superDone:  make(chan struct{}),
		curChanged: make(chan struct{}),
		pending:    map[string]*invocation{},
	}
	f.srv = &http.Server{Handler: f.runtimeAPI(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()

	inst, err := f.spawn()
	if err == nil {
		err = f.initialize(ctx, inst)
	}
	if err != nil {
		close(f.superDone)
		_ = f.Close()
		return nil, err
	}
	go f.supervise(inst)
	return f, nil
}

// RuntimeAPI returns the runtime API address, the child's FC_RUNTIME_API ("127.0.0.1:PORT").
func (f *Function) RuntimeAPI() string { return f.ln.Addr().String() }

// PID returns the process id of the current child, or 0 when none is running.
func (f *Function) PID() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == nil || f.cur.isDead() {
		return 0
	}
	return f.cur.cmd.Process.Pid
}

// Close kills the child process (SIGKILL), waits for it to be reaped, then closes the runtime API
// and removes the temporary HOME. Invocations still waiting fail with ErrClosed. Safe to call more
// than once.
func (f *Function) Close() error {
	f.closeOnce.Do(func() {
		f.mu.Lock()
		f.closing = true
		inst := f.cur
		f.mu.Unlock()
		close(f.closed)
		if inst != nil {
			inst.kill()
			<-inst.exited
		}
		<-f.superDone
		f.closeErr = f.srv.Close()
		if err := os.RemoveAll(f.home); err != nil && f.closeErr == nil {
			f.closeErr = err
		}
	})
	return f.closeErr
}

// current returns the current instance and a channel closed when it is replaced.
func (f *Function) current() (*instance, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur, f.curChanged
}

// supervise restarts the child whenever it exits, until Close.
func (f *Function) supervise(inst *instance) {
	defer close(f.superDone)
	const minDelay, maxDelay, stable = 100 * time.Millisecond, 5 * time.Second, 10 * time.Second
	delay := minDelay
	for {
		select {
		case <-inst.exited:
		case <-f.closed:
			return
		}
		if time.Since(inst.started) > stable {
			delay = minDelay
		}
		f.opts.Logger.Warn("function instance exited; restarting",
			"function", f.opts.FunctionName, "error", inst.exitErr, "restartIn", delay.String())
		for {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-f.closed:
				t.Stop()
				return
			}
			delay = min(delay*2, maxDelay)
			next, err := f.spawn()
			if errors.Is(err, ErrClosed) {
				return
			}
			if err == nil {
				if err = f.initialize(context.Background(), next); err == nil {
					inst = next
					break
				}
				next.kill()
				<-next.exited
			}
			f.opts.Logger.Error("function instance restart failed", "function", f.opts.FunctionName, "error", err)
		}
	}
}

// initialize runs the initializer on inst when configured, then opens it for invocations.
func (f *Function) initialize(ctx context.Context, inst *instance) error {
	if f.opts.Initializer {
		res, err := f.invoke(ctx, inst, nil, typeInitializer, newRequestID(f.opts.Now()))
		if err == nil && res.Error != nil {
			err = res.Error
		}
		if err != nil {
			return fmt.Errorf("fcemu: initializer: %w", err)
		}
	}
	close(inst.ready)
	return nil
}
