"""Benchmarks (not tests): speed, memory, scale and load on this machine. Run `python -m bench`."""
