package main

// A memory leak that is not a goroutine leak (-heap-leak), and expvar's /debug/vars (-expvar).

import (
	"context"
	_ "expvar" // registers /debug/vars (memstats) on http.DefaultServeMux; hidden unless -expvar
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

var (
	retainedMu    sync.Mutex
	retained      [][]byte
	retainedBytes atomic.Int64
	churnSink     atomic.Pointer[[]byte]
)

// runHeapLeak keeps bytesPerSecond bytes reachable forever (a global slice that only grows, like a cache
// without eviction), every 100 ms, in one goroutine. Like a real service it also makes short-lived garbage
// (eight times as much), so the GC runs every few seconds and the heap profile (as of the last GC) follows.
func runHeapLeak(ctx context.Context, bytesPerSecond int) {
	per := bytesPerSecond / 10
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		keep := make([]byte, per)
		for i := 0; i < len(keep); i += 512 {
			keep[i] = byte(i) // touch every page so RSS grows too
		}
		retainedMu.Lock()
		retained = append(retained, keep)
		retainedMu.Unlock()
		retainedBytes.Add(int64(per))
		for k := 0; k < 8; k++ {
			garbage := make([]byte, per)
			garbage[0] = 1
			churnSink.Store(&garbage)
		}
	}
}

// withoutVars answers 404 at /debug/vars: importing expvar always registers it, -expvar decides if it is served.
func withoutVars(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/debug/vars" {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
