"""The orchestrator (stdlib only): virtualenvs, Redis, servers, load generators, report."""
