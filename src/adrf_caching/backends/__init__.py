"""Cache backends shipped with adrf-caching; see ``adrf_caching.backends.redis``."""
