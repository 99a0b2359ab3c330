"""A flow run's end does not wait for Prefect's heartbeat thread (`wagewatch run` and `backfill`).

Prefect 3 sends a flow run's heartbeats (its crash detection) from a daemon thread that sleeps in one-second steps
(`prefect.flow_engine._send_heartbeats`). The synchronous engine joins that thread when the run ends, so every
night waited 0–1 s (0.5 s on average, no CPU) for the thread's current sleep to end. Prefect's asynchronous engine
passes `join_on_exit=False` instead: the thread, told to stop, ends at its next tick without sending anything.
`unjoined_heartbeats()` makes the synchronous engine do the same; heartbeats are sent as before while the flow runs
(docs/decisions.md "Regular nights: score, load and start-up").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

_MARK = "_wagewatch_unjoined"


def unjoined_heartbeats() -> bool:
    """Make Prefect's flow engine leave its heartbeat thread unjoined at the end of a run (idempotent); False when
    this Prefect has no such thread to leave (the engine then keeps its own behaviour)."""
    import inspect

    import prefect.flow_engine as engine

    original = getattr(engine, "_send_heartbeats", None)
    if original is None or "join_on_exit" not in inspect.signature(original).parameters:
        return False
    if getattr(original, _MARK, False):
        return True

    @contextlib.contextmanager
    def send_heartbeats(run_engine: Any, join_on_exit: bool = True) -> Iterator[None]:
        with original(run_engine, join_on_exit=False):
            yield

    setattr(send_heartbeats, _MARK, True)
    engine._send_heartbeats = send_heartbeats  # type: ignore[assignment]
    return True
