"""Which failures are worth a retry: a file still being written, a database briefly locked."""

from __future__ import annotations

from typing import Any

import duckdb

TRANSIENT_MESSAGES = (
    "database is locked",
    "could not set lock",
    "resource temporarily unavailable",
    "conflicting lock",
    "text file busy",
)


def is_transient(exc: BaseException | None) -> bool:
    """True for errors another attempt may not meet (locks, files mid-copy); false for bad data or bugs."""
    if exc is None:
        return False
    if isinstance(exc, BlockingIOError | InterruptedError | TimeoutError):
        return True
    if isinstance(exc, duckdb.IOException | PermissionError | OSError):
        msg = str(exc).lower()
        return any(m in msg for m in TRANSIENT_MESSAGES) or isinstance(exc, PermissionError)
    return False


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect `retry_condition_fn`: retry only transient failures."""
    try:
        exc = state.result(raise_on_failure=False)
    except Exception as e:  # the state may hold the exception itself
        exc = e
    return is_transient(exc if isinstance(exc, BaseException) else None)
