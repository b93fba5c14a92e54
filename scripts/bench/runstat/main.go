// Command runstat runs one command and prints, as one JSON line on stdout, its wall time and the CPU time
// (user + system, from wait4's rusage: the command and every descendant it waited for) with microsecond
// resolution. GNU time's %U/%S print 10 ms steps, too coarse for a 130 ms `node -e 0`.
//
//	runstat [-stdout FILE] -- CMD ARGS...
//
// The command's stdin is /dev/null, its stdout goes to -stdout (default /dev/null), its stderr to ours.
// Used by scripts/bench (built into bench/out/runstat by scripts/bench/common.ts).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	stdoutPath := flag.String("stdout", os.DevNull, "file the command's stdout is written to")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: runstat [-stdout FILE] -- CMD ARGS...")
		os.Exit(2)
	}
	out, err := os.Create(*stdoutPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "runstat:", err)
		os.Exit(2)
	}
	defer out.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout = out
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "runstat:", err)
		os.Exit(2)
	}
	waitErr := cmd.Wait()
	wall := time.Since(start)
	exit := 0
	if waitErr != nil {
		if ee, ok := waitErr.(*exec.ExitError); ok {
			exit = ee.ExitCode()
		} else {
			fmt.Fprintln(os.Stderr, "runstat:", waitErr)
			os.Exit(2)
		}
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	res := map[string]interface{}{"wallSeconds": wall.Seconds(), "exitCode": exit}
	if ru != nil {
		res["userSeconds"] = float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
		res["sysSeconds"] = float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
		res["maxRssKb"] = ru.Maxrss
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
}
