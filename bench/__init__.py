"""Benchmarks: `make bench` (see bench/run.py and BENCHMARKS.md). Not part of `make test`."""
