"""Start Prefect's ephemeral server early: its process starts while the command imports the pipeline.

Without `PREFECT_API_URL`, Prefect starts a temporary API server (a second Python process that imports Prefect's
server, then answers /health) the first time a flow needs a client, and waits for it. Started here in a thread
before the pipeline's own imports, the server process starts on the other core meanwhile; the flow then finds it
running (Prefect keeps one such server per process, `SubprocessASGIServer()`) and stops it at exit as before.
With `PREFECT_API_URL` set (a started server, a deployment, the test harness) nothing happens here.
docs/decisions.md "The tail of a night and the flow's overhead".
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time

log = logging.getLogger("wagewatch")


class EarlyServer:
    """The thread starting the ephemeral server, if one is needed; `ready()` waits for it (seconds waited)."""

    def __init__(self) -> None:
        import prefect  # noqa: F401 - Prefect's core first, in this thread: the server thread imports only its own modules
        from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

        self._thread: threading.Thread | None = None
        if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
            return
        # the thread sees this thread's Prefect settings (a context variable), as the flow's own client would
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(_start,), name="prefect-ephemeral-start", daemon=True
        )
        self._thread.start()

    @property
    def starting(self) -> bool:
        """True when this process starts an ephemeral server (no PREFECT_API_URL)."""
        return self._thread is not None

    def ready(self) -> float:
        """Wait until the server answers (or its start failed: the flow then starts it as Prefect always does)."""
        if self._thread is None:
            return 0.0
        started = time.monotonic()
        self._thread.join()
        return time.monotonic() - started


def _start() -> None:
    try:
        from prefect.server.api.server import SubprocessASGIServer

        SubprocessASGIServer().start()
    except Exception as exc:  # the flow's own client starts it again and reports what is wrong
        log.warning("early start of Prefect's ephemeral server failed: %s", exc)
