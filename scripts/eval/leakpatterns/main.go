// Command leakpatterns leaks goroutines the way real services do, one pattern per process, so leakwatch can be
// judged on live programs (scripts/eval/livePrograms.ts). The patterns are the ones the goroutine-leak
// literature keeps finding in production Go code (send after the receiver timed out, early return before
// receiving, n senders read once, range over a channel never closed, a worker whose Stop is never called, a
// double send, a lock never released, a WaitGroup never done, a Cond never signalled), plus benign controls
// that must never read as a leak (bursts, a bounded pool, a plateau).
//
// Every leaking pattern blocks in its own named function, so the innermost user frame of the leaked
// goroutines (leakwatch's "leaf function") is the truth the evaluation compares against: main.<leafOf[pattern]>.
//
//	leakpatterns -pattern timeout-send -every 200ms -idle 1000 -portfile /tmp/x/port
//
// Serves net/http/pprof on 127.0.0.1:0 (and /debug/pprof/goroutineleak when built with Go 1.26+ and
// GOEXPERIMENT=goroutineleakprofile), /healthz and /stats. Stdlib only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// leaked counts goroutines this process leaked on purpose (for /stats; the evaluation reads the recording).
var leaked atomic.Int64

// patterns: name -> one call of the pattern. Leaking calls leave goroutines blocked forever in leafOf[name].
var patterns = map[string]func(){
	"timeout-send":      callWithTimeout,
	"early-return":      fetchWithEarlyReturn,
	"n-senders":         firstOfNReplicas,
	"range-unclosed":    produceWithoutClose,
	"stop-never-called": startRefresherWithoutStop,
	"double-send":       callDoubleSender,
	"mutex":             spawnIncrementer,
	"rwmutex":           spawnSettingsReader,
	"waitgroup":         spawnWaiter,
	"cond":              spawnCondWaiter,
	// Benign controls: goroutines come and go (bursts), a fixed set of workers (pool), or a fixed number of
	// long-lived goroutines reached after a while (plateau).
	"bursts":  serveBurst,
	"pool":    submitToPool,
	"plateau": openPooledConnection,
}

// leafOf: the function the leaked goroutines of each leaking pattern block in ("" for the benign controls).
var leafOf = map[string]string{
	"timeout-send":      "main.sendAfterReceiverTimedOut",
	"early-return":      "main.sendToEarlyReturner",
	"n-senders":         "main.sendOneOfNReplicas",
	"range-unclosed":    "main.rangeOverUnclosedChannel",
	"stop-never-called": "main.(*refresher).run",
	"double-send":       "main.sendErrorThenResult",
	"mutex":             "main.incrementForgettingUnlock",
	"rwmutex":           "main.readSettingsForgettingRUnlock",
	"waitgroup":         "main.waitForWorkersNeverDone",
	"cond":              "main.waitOnCondNeverSignalled",
}

func main() {
	var (
		pattern     = flag.String("pattern", "", "the pattern to run, or several separated by commas: "+strings.Join(patternNames(), ", "))
		every       = flag.Duration("every", time.Second, "how often the pattern is called (first call at start)")
		idle        = flag.Int("idle", 0, "idle ballast: goroutines parked on a channel closed at exit (benign, flat)")
		plateauMax  = flag.Int("plateau", 30, "pattern plateau: long-lived goroutines it grows to, then stops")
		poolWorkers = flag.Int("pool", 8, "pattern pool: fixed number of workers")
		portfile    = flag.String("portfile", "", "after listening, write the actual 127.0.0.1:PORT to this file (atomically)")
		pidfile     = flag.String("pidfile", "", "write the process id to this file")
		listFlag    = flag.Bool("list", false, "print pattern<TAB>leaf function (empty for benign controls), one a line, and exit")
	)
	flag.Parse()
	log.SetPrefix("leakpatterns: ")
	log.SetFlags(0)

	if *listFlag {
		for _, name := range patternNames() {
			fmt.Printf("%s\t%s\n", name, leafOf[name])
		}
		return
	}
	var calls []func()
	for _, name := range strings.Split(*pattern, ",") {
		call, ok := patterns[name]
		if !ok {
			log.Printf("unknown -pattern %q: use one of %s", name, strings.Join(patternNames(), ", "))
			os.Exit(2)
		}
		calls = append(calls, call)
	}
	if *every <= 0 || *idle < 0 || *plateauMax < 0 || *poolWorkers < 1 {
		log.Print("-every must be positive, -idle and -plateau not negative, -pool at least 1")
		os.Exit(2)
	}
	plateauLimit = *plateauMax

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	ballastDone := make(chan struct{})
	for i := 0; i < *idle; i++ {
		go idleBallast(ballastDone)
	}
	defer close(ballastDone)
	for _, name := range strings.Split(*pattern, ",") {
		switch name {
		case "pool":
			startPool(ctx, *poolWorkers)
		case "rwmutex":
			leakOneReadLock()
		}
	}

	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok")
	})
	http.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]interface{}{
			"pattern":    *pattern,
			"leaf":       leafOf[*pattern],
			"goroutines": runtime.NumGoroutine(),
			"leaked":     leaked.Load(),
			"pid":        os.Getpid(),
		})
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	// The pid and port files, for whoever started us; removed again at a clean exit.
	var written []string
	for _, f := range [][2]string{{*pidfile, strconv.Itoa(os.Getpid()) + "\n"}, {*portfile, ln.Addr().String()}} {
		if f[0] == "" {
			continue
		}
		if err := writeFileAtomic(f[0], f[1]); err != nil {
			log.Fatal(err)
		}
		written = append(written, f[0])
	}
	srv := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	for _, call := range calls {
		go callEvery(ctx, call, *every)
	}

	select {
	case err := <-serveErr:
		log.Fatal(err)
	case <-ctx.Done(): // no graceful shutdown: the leaked goroutines die with the process anyway
	}
	for _, f := range written {
		_ = os.Remove(f)
	}
}

func patternNames() []string {
	names := make([]string, 0, len(patterns))
	for name := range patterns {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// callEvery calls the pattern now and then every period until ctx ends.
func callEvery(ctx context.Context, call func(), period time.Duration) {
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	for {
		call()
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func idleBallast(done <-chan struct{}) { <-done }

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

// writeFileAtomic writes path.tmp and renames it over path, so a poller never reads half a port. (demo-service
// has the same helper; the two are separate Go modules, demo-service pinned to Go 1.19, so it is not shared.)
func writeFileAtomic(path, content string) error {
	if err := os.WriteFile(path+".tmp", []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
