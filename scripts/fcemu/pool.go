package fcemu

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// Runtimes a Pool can scale.
const (
	RuntimeGo1    = "go1"    // FC 3.0 built-in runtime: one request per instance at a time
	RuntimeCustom = "custom" // custom runtime (custom.debian12): up to InstanceConcurrency per instance
)

// Scaling is how FC scales a function: a new instance whenever every instance is busy, up to
// MaxInstances. On go1 an instance takes one request at a time (FC 3.0 standard runtimes have no
// instance concurrency: FC docs, "Comparison and compatibility between Function Compute 3.0 and
// 2.0"), so every concurrent request gets an instance of its own, each a new process with a cold
// cache; on a custom runtime an instance takes up to InstanceConcurrency.
type Scaling struct {
	// Runtime is RuntimeGo1 (default) or RuntimeCustom.
	Runtime string
	// InstanceConcurrency is the custom runtime's requests per instance (default 1; go1 is always 1).
	InstanceConcurrency int
	// MaxInstances caps the instances (default 100); requests beyond wait for a free one within
	// their timeout.
	MaxInstances int
	// Provisioned instances are started (and initialised) before any request, like FC's
	// provisionConfig; they count toward MaxInstances.
	Provisioned int
}

// Pool is a function scaled like FC scales it (Scaling), each instance a Function (go1) or a
// CustomInstance. It is an http.Handler (the HTTP trigger).
type Pool struct {
	opts Options
	sc   Scaling

	mu       sync.Mutex
	insts    []*poolInstance
	starting int
	awaiting int // requests waiting for the capacity of starting instances
	started  int
	freed    chan struct{} // closed and replaced whenever a slot frees or an instance starts
	closed   bool
}

type poolInstance struct {
	h      http.Handler
	close  func() error
	active int
}

// PoolStats counts what a Pool did.
type PoolStats struct {
	InstancesStarted int // every instance start attempted, provisioned ones and failed ones included
}

// StartPool starts a scaled function with its provisioned instances (Options as for Start; its
// Concurrency is ignored).
func StartPool(ctx context.Context, o Options, sc Scaling) (*Pool, error) {
	if sc.Runtime == "" {
		sc.Runtime = RuntimeGo1
	}
	if sc.Runtime != RuntimeGo1 && sc.Runtime != RuntimeCustom {
		return nil, fmt.Errorf("fcemu: unknown runtime %q", sc.Runtime)
	}
	if sc.Runtime == RuntimeGo1 || sc.InstanceConcurrency <= 0 {
		sc.InstanceConcurrency = 1
	}
	if sc.MaxInstances <= 0 {
		sc.MaxInstances = 100
	}
	o.Concurrency = sc.InstanceConcurrency
	p := &Pool{opts: o, sc: sc, freed: make(chan struct{})}
	for range min(sc.Provisioned, sc.MaxInstances) {
		inst, err := p.start(ctx)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.insts = append(p.insts, inst)
	}
	return p, nil
}

func (p *Pool) start(ctx context.Context) (*poolInstance, error) {
	p.mu.Lock()
	p.started++
	p.mu.Unlock()
	if p.sc.Runtime == RuntimeCustom {
		c, err := StartCustom(ctx, p.opts)
		if err != nil {
			return nil, err
		}
		return &poolInstance{h: c, close: c.Close}, nil
	}
	f, err := Start(ctx, p.opts)
	if err != nil {
		return nil, err
	}
	return &poolInstance{h: f, close: f.Close}, nil
}

// Stats returns what the pool did so far.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolStats{InstancesStarted: p.started}
}

// ServeHTTP hands the request to an instance with a free slot, starting one (a cold start, part of
// this request's time) when none is free and the cap allows.
func (p *Pool) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), p.opts.withTimeout())
	defer cancel()
	inst, err := p.acquire(ctx)
	if err != nil {
		// The emulator's own answers, never 503 (which only the function gives): no instance within
		// the timeout, or the new instance failed to start (its initializer failed).
		status, typ := http.StatusGatewayTimeout, "FunctionTimeout"
		if !errors.Is(err, context.DeadlineExceeded) {
			status, typ = http.StatusBadGateway, "InstanceStartFailed"
		}
		writeJSONError(w, status, typ, "no instance available: "+err.Error(), "")
		return
	}
	defer p.release(inst)
	inst.h.ServeHTTP(w, r)
}

func (p *Pool) acquire(ctx context.Context) (*poolInstance, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrClosed
		}
		for _, in := range p.insts {
			if in.active < p.sc.InstanceConcurrency {
				in.active++
				p.mu.Unlock()
				return in, nil
			}
		}
		if p.awaiting < p.starting*(p.sc.InstanceConcurrency-1) {
			// An instance on its way up has room for this request besides the one that started it:
			// wait for it rather than start another (FC, too, routes to instances being started
			// before it starts more). On go1 an instance has no such room.
			p.awaiting++
			freed := p.freed
			p.mu.Unlock()
			select {
			case <-freed:
			case <-ctx.Done():
			}
			p.mu.Lock()
			p.awaiting--
			p.mu.Unlock()
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			continue
		}
		if len(p.insts)+p.starting < p.sc.MaxInstances {
			p.starting++
			p.mu.Unlock()
			in, err := p.start(ctx)
			p.mu.Lock()
			p.starting--
			if err == nil {
				if p.closed {
					p.mu.Unlock()
					in.close()
					return nil, ErrClosed
				}
				in.active = 1
				p.insts = append(p.insts, in)
			}
			p.signal()
			p.mu.Unlock()
			return in, err
		}
		freed := p.freed
		p.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (p *Pool) release(in *poolInstance) {
	p.mu.Lock()
	in.active--
	p.signal()
	p.mu.Unlock()
}

// signal wakes the waiters; p.mu is held.
func (p *Pool) signal() {
	close(p.freed)
	p.freed = make(chan struct{})
}

// Close stops every instance.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	insts := p.insts
	p.insts = nil
	p.mu.Unlock()
	var errs []error
	for _, in := range insts {
		errs = append(errs, in.close())
	}
	return errors.Join(errs...)
}
