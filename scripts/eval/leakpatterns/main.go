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
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
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

// writeFileAtomic writes path.tmp and renames it over path, so a poller never reads half a port. (demo-service
// has the same helper; the two are separate Go modules, demo-service pinned to Go 1.19, so it is not shared.)
func writeFileAtomic(path, content string) error {
	if err := os.WriteFile(path+".tmp", []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
