"""pyserial URL handlers for the benchmarks (registered through serial.protocol_handler_packages)."""
