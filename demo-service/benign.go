package main

// Benign goroutines: long-lived but constant in number, or short-lived.
// None of these must look like a leak.

import (
	"context"
	"math/rand"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

var jobsDone atomic.Int64

// startWorkerPool starts n workers (labelled pool=worker) and a feeder that hands them a job every ~100ms.
func startWorkerPool(ctx context.Context, n int) {
	if n == 0 {
		return
	}
	jobs := make(chan int)
	for i := 0; i < n; i++ {
		go runWorker(ctx, jobs)
	}
	go feedJobs(ctx, jobs)
}

//go:noinline
func runWorker(ctx context.Context, jobs <-chan int) {
	pprof.Do(ctx, pprof.Labels("pool", "worker"), func(ctx context.Context) {
		for job := range jobs {
			processJob(job)
		}
	})
}

//go:noinline
func processJob(job int) {
	sum := 0
	for i := 0; i < 1000; i++ {
		sum += i * job
	}
	if sum >= 0 {
		jobsDone.Add(1)
	}
}

//go:noinline
func feedJobs(ctx context.Context, jobs chan<- int) {
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			close(jobs)
			return
		case <-ticker.C:
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
}

var lastGoroutineCount atomic.Int64

// runMetricsTicker samples runtime.NumGoroutine once a second, like a metrics exporter.
//
//go:noinline
func runMetricsTicker(ctx context.Context) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			lastGoroutineCount.Store(int64(runtime.NumGoroutine()))
		}
	}
}

// runBursts spawns 50 short request-like goroutines every 5 seconds; each lives 1-2 s.
//
//go:noinline
func runBursts(ctx context.Context) {
	ticker := time.NewTicker(5 * time.Second)
	defer ticker.Stop()
	for {
		for i := 0; i < 50; i++ {
			go handleBurstRequest(time.Second + time.Duration(rand.Int63n(int64(time.Second))))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

//go:noinline
func handleBurstRequest(d time.Duration) {
	time.Sleep(d)
}

// runShard is a benign parked goroutine with its own label value (shard=<i>), for -distinct.
//
//go:noinline
func runShard(ctx context.Context, i int) {
	pprof.Do(ctx, pprof.Labels("shard", strconv.Itoa(i)), func(ctx context.Context) {
		parkUntilShutdown(ctx)
	})
}

// runHostile parks one goroutine whose labels carry strings that break naive HTML/CSV/JSON output.
//
//go:noinline
func runHostile(ctx context.Context) {
	labels := pprof.Labels(
		"xss", "<script>alert(1)</script>",
		"xss_close", "</script><b>x",
		"quotes", `"'`+"`",
		"formula", `=HYPERLINK("http://x","click")`,
		"plus", "+1+2",
		"at", "@SUM(1)",
		"minus", "-2+3",
		"comma_newline", "a,b\nc",
		"long", strings.Repeat("0123456789", 500),
		`<i>key"</i>`, "hostile key",
	)
	pprof.Do(ctx, labels, func(ctx context.Context) {
		parkUntilShutdown(ctx)
	})
}

//go:noinline
func parkUntilShutdown(ctx context.Context) {
	<-ctx.Done()
}
