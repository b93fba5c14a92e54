package main

// The deliberate leaks. Each kind is reached through a handler-like function
// (handleOrder -> leakUnbufferedSend, ...) so the leaked stacks have realistic
// depth, and //go:noinline keeps every named frame visible on every Go version.

import (
	"context"
	"fmt"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// allKinds lists the leak kinds in their canonical order (the -kinds values).
var allKinds = []string{"send", "recv", "select", "mutex", "loop"}

// leakEntry maps each kind to the handler-like function that leaks one goroutine of that kind.
var leakEntry = map[string]func(id int64){
	"send":   handleOrder,
	"recv":   handleInventory,
	"select": handleSearch,
	"mutex":  handleCheckout,
	"loop":   handleReport,
}

var (
	leakCounters       = map[string]*atomic.Int64{}
	leakCap      int64 = 200000 // -max-leaked
	leakTotal    atomic.Int64
)

func init() {
	for _, k := range allKinds {
		leakCounters[k] = new(atomic.Int64)
	}
}

func totalLeaked() int64 { return leakTotal.Load() }

func parseKinds(s string) ([]string, error) {
	var kinds []string
	seen := map[string]bool{}
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if k == "" || seen[k] {
			continue
		}
		if _, ok := leakEntry[k]; !ok {
			return nil, fmt.Errorf("unknown leak kind %q (want some of %s)", k, strings.Join(allKinds, ","))
		}
		seen[k] = true
		kinds = append(kinds, k)
	}
	sort.SliceStable(kinds, func(i, j int) bool { return kindIndex(kinds[i]) < kindIndex(kinds[j]) })
	return kinds, nil
}

func kindIndex(k string) int {
	for i, a := range allKinds {
		if a == k {
			return i
		}
	}
	return len(allKinds)
}

// spawnLeak leaks one goroutine of the given kind unless the -max-leaked cap is reached.
func spawnLeak(kind string) bool {
	if leakTotal.Add(1) > leakCap {
		leakTotal.Add(-1)
		return false
	}
	id := leakCounters[kind].Add(1)
	go leakEntry[kind](id)
	return true
}

// preloadLeaks leaks n goroutines right away, spread evenly over kinds.
func preloadLeaks(kinds []string, n int) {
	if len(kinds) == 0 {
		return
	}
	for i := 0; i < n; i++ {
		if !spawnLeak(kinds[i%len(kinds)]) {
			return
		}
	}
}

// runLeakSpawner leaks `rate` goroutines per second for each kind, drift free:
// every tick it tops each kind up to floor(rate * elapsed seconds).
func runLeakSpawner(ctx context.Context, kinds []string, rate float64) {
	start := time.Now()
	spawned := make(map[string]int64, len(kinds))
	ticker := time.NewTicker(50 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		due := int64(rate * time.Since(start).Seconds())
		for more := true; more; {
			more = false
			for _, k := range kinds { // round robin, so the cap hits all kinds alike
				if spawned[k] < due {
					if !spawnLeak(k) {
						return // -max-leaked reached
					}
					spawned[k]++
					more = true
				}
			}
		}
	}
}

// --- send: a result nobody waits for -------------------------------------------------

// handleOrder stands for a request handler that starts work and gives up on its result.
//
//go:noinline
func handleOrder(id int64) {
	labels := pprof.Labels("handler", "/api/orders", "tenant", "t1")
	pprof.Do(context.Background(), labels, func(ctx context.Context) {
		leakUnbufferedSend(id)
	})
}

// leakUnbufferedSend blocks forever sending on an unbuffered channel nobody receives from.
//
//go:noinline
func leakUnbufferedSend(id int64) {
	results := make(chan int64) // the caller "timed out" and will never read it
	results <- id
}

// --- recv: waiting for a reply that never comes --------------------------------------

//go:noinline
func handleInventory(id int64) {
	labels := pprof.Labels("handler", "/api/inventory", "tenant", "t2")
	pprof.Do(context.Background(), labels, func(ctx context.Context) {
		leakReceiveNoSender(id)
	})
}

// leakReceiveNoSender blocks forever receiving from a channel nobody sends on or closes.
//
//go:noinline
func leakReceiveNoSender(id int64) int64 {
	reply := make(chan int64)
	return <-reply + id
}

// --- select: none of the cases ever becomes ready -------------------------------------

//go:noinline
func handleSearch(id int64) {
	labels := pprof.Labels("handler", "/api/search", "tenant", "t1")
	pprof.Do(context.Background(), labels, func(ctx context.Context) {
		leakSelectNoReady(ctx, id)
	})
}

// leakSelectNoReady blocks forever in a select whose channels nobody else holds
// (and whose context is never cancelled).
//
//go:noinline
func leakSelectNoReady(ctx context.Context, id int64) int64 {
	hits := make(chan int64)
	errs := make(chan error)
	select {
	case h := <-hits:
		return h
	case err := <-errs:
		_ = err
		return -1
	case <-ctx.Done():
		return id
	}
}

// --- mutex: a lock that was never released --------------------------------------------

// cartMu is locked once by lockCartAndForget and never unlocked.
var (
	cartMu       sync.Mutex
	cartLockOnce sync.Once
)

//go:noinline
func lockCartAndForget() {
	cartMu.Lock() // "forgot" the Unlock on an error path
}

//go:noinline
func handleCheckout(id int64) {
	cartLockOnce.Do(func() {
		done := make(chan struct{})
		go func() { lockCartAndForget(); close(done) }() // another goroutine takes it and exits
		<-done
	})
	leakLockNeverReleased(id)
}

// leakLockNeverReleased blocks forever on cartMu.Lock.
//
//go:noinline
func leakLockNeverReleased(id int64) {
	cartMu.Lock()
	defer cartMu.Unlock()
	_ = id
}

// --- loop: polling a flag that is never set -------------------------------------------

// reportCancelled is never set, so every leakLoopNeverExits goroutine polls forever.
var reportCancelled atomic.Bool

//go:noinline
func handleReport(id int64) {
	leakLoopNeverExits(id)
}

// leakLoopNeverExits polls reportCancelled every 50ms and never exits.
//
//go:noinline
func leakLoopNeverExits(id int64) {
	for !reportCancelled.Load() {
		time.Sleep(50 * time.Millisecond)
	}
	_ = id
}
