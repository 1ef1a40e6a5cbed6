"""Programs the benchmarks start in another process: the simulator host, the echo floor, pymodbus's server."""
