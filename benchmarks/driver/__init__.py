"""Async Python clients (aiohttp), run inside benchmarks/.venv: the mixed read/write driver and the
fallback load generator used only when wrk is not installed."""
