"""Typed, fully asynchronous, per-user versioned caching for ADRF views and viewsets."""
