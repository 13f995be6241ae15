package fcemu_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
)

// TestPoolGo1OneRequestPerInstance: on go1 every concurrent request gets an instance of its own (3
// requests held by /sleep until the timeout: 3 instances), idle instances are reused, and the cap
// holds (a request beyond it waits, here until its timeout: 504).
func TestPoolGo1OneRequestPerInstance(t *testing.T) {
	t.Parallel()
	p, err := fcemu.StartPool(context.Background(), fcemu.Options{Binary: echoBinary, Timeout: 3 * time.Second},
		fcemu.Scaling{Runtime: fcemu.RuntimeGo1, MaxInstances: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	serve := func(path string) int {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = serve("/sleep") }()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusGatewayTimeout {
			t.Errorf("request %d: %d; want 504 (held past the timeout, or waiting beyond the cap)", i, c)
		}
	}
	if n := p.Stats().InstancesStarted; n != 3 {
		t.Errorf("%d instances started for 4 concurrent requests with a cap of 3; want 3", n)
	}
	if c := serve("/"); c != http.StatusOK {
		t.Errorf("after the burst: %d", c)
	}
	if n := p.Stats().InstancesStarted; n != 3 {
		t.Errorf("%d instances started after a sequential request; want the 3 reused", n)
	}
}
