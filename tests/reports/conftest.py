"""Reports written once per session from the realistic inputs in given_reports, shared by the tests."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipelines.reports.dashboard import DashboardInputs, write_dashboard
from pipelines.reports.warning_list import ListInputs, write_warning_lists
from pipelines.settings import Settings
from tests.headless import CHROMIUM
from tests.reports import given_reports as given


@pytest.fixture(scope="session")
def lists(tmp_path_factory) -> list[Path]:
    """Every path write_warning_lists wrote for the given inputs."""
    out = tmp_path_factory.mktemp("lists")
    return write_warning_lists(
        ListInputs(
            given.lines(), given.workers(), given.findings(), given.areas(), given.AS_OF, given.resolved()
        ),
        out,
    )


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory) -> dict:
    """The dashboard HTML (with its 通报 PNGs) and the warnings logged while writing it."""
    out = tmp_path_factory.mktemp("dashboard")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("pipelines.reports.dashboard")
    logger.addHandler(handler)
    try:
        path = write_dashboard(
            DashboardInputs(
                given.area_month(),
                given.ranking(),
                given.lines(),
                given.findings(),
                given.areas(),
                given.AS_OF,
                Settings(),
            ),
            path=out / f"看板_{given.AS_OF.isoformat()}.html",
        )
    finally:
        logger.removeHandler(handler)
    return {"html": path, "warnings": [r.getMessage() for r in records if r.levelno >= logging.WARNING]}


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The system Chromium (Debian `chromium`), or skip."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make system-deps installs it)")
    return CHROMIUM
