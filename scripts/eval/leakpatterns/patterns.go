// The patterns themselves: each leaking one blocks in its own named function (leafOf in main.go), each benign
// control ends or stays bounded.

package main

import (
	"context"
	"errors"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// --- send after the receiver timed out -------------------------------------------------------------------

// callWithTimeout is the classic: an unbuffered result channel, a worker slower than the timeout, and no one
// left to receive when the worker finally sends.
func callWithTimeout() {
	ch := make(chan int)
	go sendAfterReceiverTimedOut(ch)
	select {
	case r := <-ch:
		_ = r
	case <-time.After(2 * time.Millisecond):
	}
}

func sendAfterReceiverTimedOut(ch chan<- int) {
	time.Sleep(10 * time.Millisecond) // slower than the caller's timeout
	leaked.Add(1)
	ch <- 42
}

// --- early return before receiving -----------------------------------------------------------------------

var errInvalid = errors.New("invalid request")

func fetchWithEarlyReturn() {
	ch := make(chan string)
	go sendToEarlyReturner(ch)
	if err := validateRequest(); err != nil {
		return // the sender above is never received from
	}
	<-ch
}

func validateRequest() error { return errInvalid }

func sendToEarlyReturner(ch chan<- string) {
	leaked.Add(1)
	ch <- "response"
}

// --- n senders to a channel read once --------------------------------------------------------------------

// firstOfNReplicas asks three replicas and takes the first answer; the two slower ones block forever.
func firstOfNReplicas() {
	const replicas = 3
	ch := make(chan int)
	for i := 0; i < replicas; i++ {
		go sendOneOfNReplicas(ch, i)
	}
	<-ch
	leaked.Add(replicas - 1)
}

func sendOneOfNReplicas(ch chan<- int, replica int) { ch <- replica }

// --- range over a channel never closed -------------------------------------------------------------------

func produceWithoutClose() {
	ch := make(chan int)
	done := make(chan struct{})
	go rangeOverUnclosedChannel(ch, done)
	for i := 0; i < 3; i++ {
		ch <- i
	}
	leaked.Add(1)
	// missing: close(ch) — the consumer waits for a fourth item forever
}

func rangeOverUnclosedChannel(ch <-chan int, done chan<- struct{}) {
	sum := 0
	for v := range ch {
		sum += v
	}
	_ = sum
	close(done)
}

// --- a worker whose Stop is never called -----------------------------------------------------------------

type refresher struct {
	jobs chan string
	quit chan struct{}
}

func (r *refresher) run() {
	for {
		select {
		case <-r.quit:
			return
		case key := <-r.jobs:
			_ = key
		}
	}
}

// Stop would end run; no caller ever calls it.
func (r *refresher) Stop() { close(r.quit) }

func startRefresherWithoutStop() {
	r := &refresher{jobs: make(chan string), quit: make(chan struct{})}
	go r.run()
	r.jobs <- "warm-up"
	leaked.Add(1)
}

// --- a double send ---------------------------------------------------------------------------------------

func callDoubleSender() {
	ch := make(chan error)
	go sendErrorThenResult(ch)
	<-ch // the caller takes the first value and leaves
	leaked.Add(1)
}

func sendErrorThenResult(ch chan<- error) {
	ch <- errInvalid
	// missing: return — the second send blocks forever
	ch <- nil
}

// --- a lock never released (sync.Mutex) ------------------------------------------------------------------

type counterStore struct {
	mu sync.Mutex
	n  int
}

var store counterStore

var incrementerCalls atomic.Int64

func spawnIncrementer() {
	// The first incrementer leaks the lock, not a goroutine; every later one blocks in Lock.
	if incrementerCalls.Add(1) > 1 {
		leaked.Add(1)
	}
	go incrementForgettingUnlock(&store)
}

// incrementForgettingUnlock returns early without Unlock; the first call keeps the lock forever, every later
// call blocks in Lock.
func incrementForgettingUnlock(s *counterStore) {
	s.mu.Lock()
	s.n++
	if s.n > 0 {
		return // missing: s.mu.Unlock()
	}
	s.mu.Unlock()
}

// --- a lock never released (sync.RWMutex) ----------------------------------------------------------------

type settingsStore struct {
	rw     sync.RWMutex
	values map[string]string
}

var settings = settingsStore{values: map[string]string{}}

// leakOneReadLock: one reader forgets RUnlock, a writer then waits for it forever, and every later reader
// queues behind the waiting writer (RLock blocks while a writer waits).
func leakOneReadLock() {
	readSettingsForgettingRUnlock(&settings)
	go writeSettings(&settings)
	for i := 0; i < 1000; i++ { // until the writer is waiting; RLock then blocks, so test with TryRLock
		if !settings.rw.TryRLock() {
			return
		}
		settings.rw.RUnlock()
		time.Sleep(time.Millisecond)
	}
}

func spawnSettingsReader() {
	leaked.Add(1)
	go readSettingsForgettingRUnlock(&settings)
}

func readSettingsForgettingRUnlock(s *settingsStore) string {
	s.rw.RLock()
	v, ok := s.values["mode"]
	if !ok {
		return "" // missing: s.rw.RUnlock()
	}
	s.rw.RUnlock()
	return v
}

func writeSettings(s *settingsStore) {
	s.rw.Lock()
	s.values["mode"] = "fast"
	s.rw.Unlock()
}

// --- a WaitGroup never done ------------------------------------------------------------------------------

func spawnWaiter() {
	leaked.Add(1)
	go waitForWorkersNeverDone()
}

func waitForWorkersNeverDone() {
	var wg sync.WaitGroup
	wg.Add(3)
	for i := 0; i < 2; i++ { // one worker too few: Wait never returns
		go finishWork(&wg)
	}
	wg.Wait()
}

func finishWork(wg *sync.WaitGroup) { wg.Done() }

// --- a Cond never signalled ------------------------------------------------------------------------------

func spawnCondWaiter() {
	leaked.Add(1)
	go waitOnCondNeverSignalled()
}

func waitOnCondNeverSignalled() {
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := false
	mu.Lock()
	for !ready { // no one ever sets ready or calls Signal/Broadcast
		cond.Wait()
	}
	mu.Unlock()
}

// --- benign: bursts --------------------------------------------------------------------------------------

func serveBurst() {
	for i := 0; i < 20; i++ {
		go handleBurstRequest(time.Duration(rand.Intn(50)) * time.Millisecond)
	}
}

func handleBurstRequest(d time.Duration) { time.Sleep(d) }

// --- benign: a bounded worker pool -----------------------------------------------------------------------

var poolJobs = make(chan int, 64)

func startPool(ctx context.Context, workers int) {
	for i := 0; i < workers; i++ {
		go poolWorker(ctx, poolJobs)
	}
}

func poolWorker(ctx context.Context, jobs <-chan int) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-jobs:
			time.Sleep(time.Duration(j) * time.Millisecond)
		}
	}
}

func submitToPool() {
	for i := 0; i < 8; i++ {
		select {
		case poolJobs <- rand.Intn(20):
		default: // full: drop, as a bounded queue does
		}
	}
}

// --- benign: a plateau -----------------------------------------------------------------------------------

var (
	plateauLimit int
	plateauOpen  int
	plateauDone  = make(chan struct{})
)

// openPooledConnection opens long-lived connections until the pool is full, then nothing more: a rise that
// stops, like a connection pool warming up.
func openPooledConnection() {
	if plateauOpen >= plateauLimit {
		return
	}
	plateauOpen++
	go keepConnectionOpen(plateauDone)
}

func keepConnectionOpen(done <-chan struct{}) { <-done }
