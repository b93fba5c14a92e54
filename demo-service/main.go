// Command leaky-demo is a small HTTP service that leaks goroutines on purpose.
//
// It exists to produce real goroutine profiles for leakwatch's tests, fixtures,
// benchmarks and demo. It leaks goroutines in five common ways (see leaks.go),
// each through its own handler-like function so the stacks are distinct and
// readable, and it also runs benign long-lived and short-lived goroutines that
// must NOT be reported as leaks (see benign.go). The usual pprof endpoints are
// served under /debug/pprof/, plus /healthz and /stats.
//
// It is stdlib only and must keep compiling with Go 1.19.
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
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var (
		addr      = flag.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free port; see -portfile)")
		portfile  = flag.String("portfile", "", "after listening, write the actual 127.0.0.1:PORT to this file (atomically)")
		pidfile   = flag.String("pidfile", "", "write the process id to this file")
		rate      = flag.Float64("rate", 2, "leaked goroutines per second PER KIND (0 = no leaking)")
		kindsFlag = flag.String("kinds", strings.Join(allKinds, ","), "comma-separated leak kinds to activate: "+strings.Join(allKinds, ","))
		preload   = flag.Int("preload", 0, "leak this many goroutines at start, spread evenly over the active kinds")
		maxLeaked = flag.Int64("max-leaked", 200000, "cap on the total number of leaked goroutines")
		distinct  = flag.Int("distinct", 0, "spawn this many benign parked goroutines, each with a distinct label shard=<i>")
		hostile   = flag.Bool("hostile", false, "spawn one parked goroutine whose pprof labels carry hostile strings")
		workers   = flag.Int("workers", 8, "size of the benign worker pool")
		heapLeak  = flag.Int("heap-leak", 0, "retain this many bytes per second forever (a memory leak without a goroutine leak; 0 = off)")
		withVars  = flag.Bool("expvar", false, "serve expvar's /debug/vars (memstats: HeapInuse, StackInuse, Sys, NumGC)")
	)
	flag.Parse()
	log.SetPrefix("leaky-demo: ")
	log.SetFlags(0)

	kinds, err := parseKinds(*kindsFlag)
	if err != nil {
		log.Print(err)
		os.Exit(2)
	}
	if *rate < 0 || *preload < 0 || *distinct < 0 || *workers < 0 || *maxLeaked < 0 || *heapLeak < 0 {
		log.Print("-rate, -preload, -distinct, -workers, -max-leaked and -heap-leak must not be negative")
		os.Exit(2)
	}
	leakCap = *maxLeaked

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	// Benign goroutines first, then the leaks.
	startWorkerPool(ctx, *workers)
	go runMetricsTicker(ctx)
	go runBursts(ctx)
	for i := 0; i < *distinct; i++ {
		go runShard(ctx, i)
	}
	if *hostile {
		go runHostile(ctx)
	}
	preloadLeaks(kinds, *preload)
	if *rate > 0 && len(kinds) > 0 {
		go runLeakSpawner(ctx, kinds, *rate)
	}
	if *heapLeak > 0 {
		go runHeapLeak(ctx, *heapLeak)
	}

	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok")
	})
	http.HandleFunc("/stats", handleStats)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	hostPort := reachableAddr(ln.Addr().(*net.TCPAddr))
	if *pidfile != "" {
		if err := writeFileAtomic(*pidfile, strconv.Itoa(os.Getpid())+"\n"); err != nil {
			log.Fatal(err)
		}
	}
	if *portfile != "" {
		if err := writeFileAtomic(*portfile, hostPort); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("listening on http://%s (pid %d, rate %g/s per kind, kinds %s, preload %d)",
		hostPort, os.Getpid(), *rate, strings.Join(kinds, ","), *preload)

	var handler http.Handler = http.DefaultServeMux
	if !*withVars {
		handler = withoutVars(handler)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err := <-serveErr:
		log.Fatal(err)
	case <-ctx.Done():
	}
	log.Print("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	for _, f := range []string{*portfile, *pidfile} {
		if f != "" {
			_ = os.Remove(f)
		}
	}
}

// handleStats reports the live goroutine count and how many goroutines each leak kind has leaked.
func handleStats(w http.ResponseWriter, r *http.Request) {
	leaked := make(map[string]int64, len(allKinds))
	for _, k := range allKinds {
		leaked[k] = leakCounters[k].Load()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]interface{}{
		"goroutines":          runtime.NumGoroutine(),
		"leaked":              leaked,
		"leaked_total":        totalLeaked(),
		"pid":                 os.Getpid(),
		"heap_retained_bytes": retainedBytes.Load(),
		"uptime_seconds":      time.Since(startTime).Seconds(),
	})
}

var startTime = time.Now()

// reachableAddr turns the listener's address into host:port a local client can dial
// (an unspecified host such as 0.0.0.0 or :: becomes 127.0.0.1).
func reachableAddr(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP == nil || a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(a.Port))
}

// writeFileAtomic writes data to a temp file in the same directory and renames it into place,
// so a reader polling for path never sees it half written.
func writeFileAtomic(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
