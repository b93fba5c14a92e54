module leakpatterns

go 1.22
