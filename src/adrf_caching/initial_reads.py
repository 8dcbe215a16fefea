"""What ``initial()`` read, for the miss that follows it.

A permission, or a view's own ``initial()``, may leave what it read for the answer: a row on the view
(``view.team = ...``), the user's permission cache, a header's value (``self.tenant``). Their SQL is
traced and their request parts recorded as a miss's are, and the miss depends on them too.
Authentication's SQL is traced apart: ``observe.beside_identity`` keeps what the identity fingerprint
does not cover. What authentication, throttles, content negotiation and versioning read of the request
is not recorded (the identity, their verdict on every hit, the media type and the version in every key
cover it), nor is a throttle's SQL (a database-backed throttle writes on every request).

Every cached GET runs through here, hits included: the contexts are plain classes, not generators.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from adrf_caching import endpoints, identity, observe

__all__ = ["InitialReads"]


class _Observing:
    """Trace SQL into ``trace``; record request parts with ``recorder`` (``paused``: record nothing)."""

    __slots__ = ("_paused", "_recorder", "_trace", "_traced")

    def __init__(self, trace: observe.Trace, recorder: endpoints.observe_request | None, paused: bool) -> None:
        self._trace, self._recorder, self._paused = trace, recorder, paused

    def __enter__(self) -> None:
        self._traced = observe.tracing(self._trace)
        self._traced.__enter__()
        if self._recorder is not None:
            if self._paused:
                self._recorder.pause()
            else:
                self._recorder.__enter__()

    def __exit__(self, *exc_info: object) -> None:
        if self._recorder is not None:
            if self._paused:
                self._recorder.resume()
            else:
                self._recorder.__exit__(*exc_info)
        self._traced.__exit__(*exc_info)


@dataclass
class InitialReads:
    seen: observe.Trace = field(default_factory=observe.Trace)  # permissions and the rest
    authenticating: observe.Trace = field(default_factory=observe.Trace)
    recorder: endpoints.observe_request | None = None  # None: request parts not recorded

    def reading(self) -> _Observing:
        """Around the whole of ``initial()``."""
        return _Observing(self.seen, self.recorder, paused=False)

    def authentication(self) -> _Observing:
        return _Observing(self.authenticating, self.recorder, paused=True)

    def verdict(self) -> _Observing:
        """Throttles, content negotiation, versioning: nothing they read is the answer's."""
        return _Observing(observe.Trace(), self.recorder, paused=True)

    @property
    def unresolved(self) -> bool:
        return self.seen.unresolved or self.authenticating.unresolved

    def learned(self, request: Any) -> endpoints.Learned:
        """What the miss after this ``initial()`` depends on through it (``request``: DRF's)."""
        session = getattr(request._request, "session", None)
        user = identity.unwrapped(request.user)
        tables = observe.beside_identity(self.seen, self.authenticating, user, request.auth, session)
        if self.recorder is None:
            return endpoints.Learned(tables=tables)
        learned = self.recorder.observed.learned(tables)
        # A permission's ``request.method in SAFE_METHODS``: its verdict is asked again on every hit.
        return replace(learned, attributes=learned.attributes - {"method"})
