"""Every analyst notebook executes top to bottom on the demo world's warehouse and shows at least one figure."""

from __future__ import annotations

import nbformat
import pytest
from typer.testing import CliRunner

from pipelines import notebooks
from pipelines.cli import app


@pytest.mark.parametrize("name", notebooks.available())
def test_notebook_executes_and_shows_figures(name, demo_night, tmp_path):
    """`wagewatch notebook NAME` (what the README tells analysts) runs it and saves it with its outputs."""
    out = tmp_path / "notebooks"  # not there yet, like data/out/notebooks after `make demo`
    result = CliRunner().invoke(
        app, ["notebook", name, "--warehouse", str(demo_night["warehouse"]), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    nb = nbformat.read(out / f"{name}.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(
        "application/vnd.plotly.v1+json" in o.get("data", {}) or "text/html" in o.get("data", {})
        for o in outputs
    ), f"{name} showed no figure"


def test_the_three_notebooks_are_there():
    assert notebooks.available() == ["data_quality", "district_drilldown", "project_investigation"]
