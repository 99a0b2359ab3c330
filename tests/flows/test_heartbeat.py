"""`wagewatch run` does not wait for Prefect's heartbeat thread at a flow run's end (pipelines/flows/heartbeat.py)."""

from __future__ import annotations

import contextlib
import inspect

import prefect.flow_engine as engine
from prefect import flow

from pipelines.flows.heartbeat import unjoined_heartbeats


def test_prefect_still_has_the_heartbeat_thread_this_leaves_unjoined():
    """A Prefect upgrade that renames or reshapes it must be noticed here, not by nights getting slower."""
    assert "join_on_exit" in inspect.signature(engine._send_heartbeats).parameters


def test_a_flow_run_sends_heartbeats_but_ends_without_joining_their_thread(prefect_harness, monkeypatch):
    asked: list[bool] = []
    original = engine._send_heartbeats

    @contextlib.contextmanager
    def spy(run_engine, join_on_exit=True):
        asked.append(join_on_exit)
        with original(run_engine, join_on_exit=join_on_exit):
            yield

    monkeypatch.setattr(engine, "_send_heartbeats", spy)
    assert unjoined_heartbeats()
    assert unjoined_heartbeats()  # a second call wraps nothing twice

    @flow
    def tiny() -> int:
        return 1

    assert tiny() == 1
    assert asked == [False]
