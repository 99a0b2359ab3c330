"""Every analyst notebook executes top to bottom on the tiny world's warehouse and shows at least one figure."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_shows_figures(path, nightly_run, tmp_path):
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    # papermill-style: right after the notebook's own parameters cell, point it at the run's warehouse
    params_at = next(
        (i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "WAREHOUSE" in c.source), None
    )
    assert params_at is not None, f"{path.name} has no WAREHOUSE parameter"
    inject = jupytext.reads(f'WAREHOUSE = r"{nightly_run["warehouse"]}"\n', fmt="py:percent").cells[0]
    nb.cells.insert(params_at + 1, inject)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(
        "application/vnd.plotly.v1+json" in o.get("data", {}) or "text/html" in o.get("data", {})
        for o in outputs
    ), f"{path.name} showed no figure"
