"""Optional integrations: ``prometheus`` (``adrf-caching[prometheus]``) and ``otel`` (``adrf-caching[otel]``)."""
