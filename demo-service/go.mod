module leakwatch/demo-service

go 1.19
