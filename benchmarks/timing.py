"""What every benchmark prints a step with: run it, record its wall time, print the label and the seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T], times: dict[str, float], width: int = 44) -> T:
    """Run fn(), store its wall seconds in times[label], print them; return fn's result."""
    start = time.perf_counter()
    out = fn()
    times[label] = time.perf_counter() - start
    print(f"{label:<{width}}{times[label]:>9.2f} s", flush=True)
    return out
