module leakwatch/bench/runstat

go 1.19
