"""Helpers for bench/bench_server.py: start servers, drive kernels over WebSocket or ZMQ, build workloads."""
