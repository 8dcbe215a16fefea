"""What ``initial()`` read, for the miss that follows it.

A permission, or a view's own ``initial()``, may leave what it read for the answer: a row on the view
(``view.team = ...``), the user's permission cache, a header's value (``self.tenant``). Their SQL is
traced and their request parts recorded as a miss's are, and the miss depends on them too.
Authentication's SQL is traced apart: ``observe.beside_identity`` keeps what the identity fingerprint
does not cover. What authentication, throttles, content negotiation and versioning read of the request
is not recorded (the identity, their verdict on every hit, the media type and the version in every key
cover it), nor is a throttle's SQL (a database-backed throttle writes on every request).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from adrf_caching import endpoints, identity, observe

__all__ = ["InitialReads"]


@dataclass
class InitialReads:
    seen: observe.Trace = field(default_factory=observe.Trace)  # permissions and the rest
    authenticating: observe.Trace = field(default_factory=observe.Trace)
    recorder: endpoints.observe_request | None = None  # None: request parts not recorded

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Around the whole of ``initial()``."""
        with ExitStack() as stack:
            stack.enter_context(observe.tracing(self.seen))
            if self.recorder is not None:
                stack.enter_context(self.recorder)
            yield

    @contextmanager
    def authentication(self) -> Iterator[None]:
        with ExitStack() as stack:
            stack.enter_context(observe.tracing(self.authenticating))
            if self.recorder is not None:
                stack.enter_context(self.recorder.paused())
            yield

    @contextmanager
    def verdict(self) -> Iterator[None]:
        """Throttles, content negotiation, versioning: nothing they read is the answer's."""
        with ExitStack() as stack:
            stack.enter_context(observe.tracing())
            if self.recorder is not None:
                stack.enter_context(self.recorder.paused())
            yield

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
        return self.recorder.observed.learned(tables)
