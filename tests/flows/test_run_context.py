"""What a run keeps from its steps is chosen by the output's type, so a step's name is only a label."""

from __future__ import annotations

from datetime import date

from pipelines.flows.run_context import NightlyRun
from pipelines.night_steps import ReportFiles
from pipelines.runs import run_dir


def test_report_paths_are_kept_whatever_the_step_is_called(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "2025-06-30").mkdir(parents=True)
    run = NightlyRun(inbox, tmp_path / "out", tmp_path / "wh.duckdb", None)
    written = ReportFiles({"dashboard": "看板_2025-06-30.html", "warning lists folder": "lists"})

    got = run.step("lists and dashboard (renamed)", lambda: written)

    assert got is written
    published = run_dir(run.out, date(2025, 6, 30))
    assert run.summary.outputs == {
        "dashboard": str(published / "看板_2025-06-30.html"),
        "warning lists folder": str(published / "lists"),
    }
    assert run.summary.steps[-1].step == "lists and dashboard (renamed)"
    assert run.summary.steps[-1].rows == 2


def test_other_outputs_leave_the_summary_outputs_alone(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    (inbox / "2025-06-30").mkdir(parents=True)
    run = NightlyRun(inbox, tmp_path / "out", tmp_path / "wh.duckdb", None)
    monkeypatch.chdir(tmp_path)

    run.step("reports", lambda: {"dashboard": "看板.html"})  # the old magic name, a plain dict

    assert run.summary.outputs == {}
    # a run not entered has no run folder and no watchdog: its summary so far goes nowhere (not into the cwd)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inbox"]
