"""Execute an analyst notebook (jupytext percent .py under notebooks/) against a warehouse and save it with outputs.

The notebooks declare their parameters in a cell holding `WAREHOUSE = …` (papermill style); the values given here
are injected right after that cell, so the file in notebooks/ stays the same for everyone.

One executed file per subject: `project_investigation_<project code>.ipynb`, `district_drilldown_<area code>.ipynb`
(the subject is resolved before the run, so the default — the list's top project, the worst district — is named
too, and a mistyped code is refused with a Chinese message before a kernel starts). Every interactive figure is
also rendered to a PNG in `<file stem>_图片/` beside the notebook and embedded next to it (image/png), so the
figures show where plotly's script does not run (a mail attachment, a code-hosting viewer, a print).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from pipelines.reports import labels_zh as zh

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
# the parameter that names each notebook's subject, and what a default resolves to
_UNSAFE = re.compile(r'[\\/:*?"<>|\s（）()，,：]+')  # characters that do not belong in a file name
SUBJECT_PARAM = {"project_investigation": "PROJECT_CODE", "district_drilldown": "AREA_CODE"}


class NotebookError(RuntimeError):
    """A notebook could not run or failed; the message is the Chinese text to show (no traceback)."""


def available() -> list[str]:
    """The notebook names (file stems) under notebooks/."""
    return sorted(p.stem for p in NOTEBOOK_DIR.glob("*.py"))


def resolve_subject(name: str, warehouse: Path, params: dict[str, Any]) -> str | None:
    """The project or area code the notebook will look at: the one given (checked), else the notebook's default.
    Raises NotebookError with a Chinese message for a code the warehouse does not know."""
    from pipelines import investigate as inv

    param = SUBJECT_PARAM.get(name)
    if param is None:
        return None
    if not Path(warehouse).exists():
        raise NotebookError(zh.NB_NO_WAREHOUSE.format(path=warehouse))
    con = inv.open_warehouse(warehouse)
    try:
        given = params.get(param)
        if name == "project_investigation":
            if given:
                return inv.require_project(con, given)
            lines = inv.warning_list(con) if inv.latest_as_of(con) else None
            if lines is None or not lines.height:
                raise NotebookError(zh.NB_NO_WARNINGS.format(what=zh.NB_FIELD["project_code"]))
            return str(lines["project_code"][0])
        if given:
            return inv.require_area(con, given)
        worst = inv.worst_district(con) if inv.latest_as_of(con) else None
        if worst is None:
            raise NotebookError(zh.NB_NO_WARNINGS.format(what=zh.NB_FIELD["area_code"]))
        return worst
    except inv.UnknownCodeError as exc:
        raise NotebookError(str(exc)) from None
    finally:
        con.close()


def output_name(name: str, subject: str | None) -> str:
    """project_investigation_3505212025000166.ipynb; data_quality.ipynb (one per warehouse)."""
    safe = re.sub(r"[^0-9A-Za-z_-]", "_", subject) if subject else None
    return f"{name}_{safe}.ipynb" if safe else f"{name}.ipynb"


def execute(
    name_or_path: str | Path,
    params: dict[str, Any],
    out: Path | None = None,
    timeout: int = 600,
    images: bool = True,
) -> Any:
    """Run the notebook top to bottom with `params`; write it to `out` (.ipynb) when given, with its figures as PNGs
    in `<out stem>_图片/` (images=True); return the notebook. A failing cell raises NotebookError (in Chinese); the
    notebook is still written, with the error in the cell, for the analyst to look at."""
    try:
        import jupytext
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as exc:  # the dev group (installed by `make install`) carries them
        raise RuntimeError("notebooks need jupytext, nbclient and ipykernel: run `make install`") from exc

    path = Path(name_or_path)
    if not path.suffix:
        path = NOTEBOOK_DIR / f"{name_or_path}.py"
    if not path.exists():
        raise NotebookError(zh.NB_UNKNOWN_NOTEBOOK.format(name=path.stem, choices="、".join(available())))
    nb = jupytext.read(path)
    at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "WAREHOUSE" in c.source), None)
    if at is None:
        raise ValueError(f"{path.name} has no parameters cell (one that sets WAREHOUSE)")
    source = "\n".join(f"{k} = {v!r}" for k, v in params.items())
    nb.cells.insert(at + 1, jupytext.reads(source + "\n", fmt="py:percent").cells[0])
    workdir = out.parent if out else path.parent
    workdir.mkdir(parents=True, exist_ok=True)  # the kernel starts in it: it must exist before, not after
    try:
        NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
        ).execute()
    except CellExecutionError as exc:
        if out:
            nbformat.write(nb, out)
        raise NotebookError(
            zh.NB_FAILED.format(name=path.stem, reason=_last_line(str(exc)), path=out or path)
        ) from None
    if out:
        if images:
            static_images(nb, out.parent / zh.NB_IMAGES.format(stem=out.stem))
        nbformat.write(nb, out)
    return nb


def _last_line(message: str) -> str:
    """The exception line of nbclient's message (its last non-empty line), without ANSI colours."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", ln).strip() for ln in message.splitlines()]
    lines = [ln for ln in lines if ln]
    return lines[-1] if lines else message


def figure_outputs(nb: Any) -> list[dict]:
    """The notebook's plotly figure outputs, in order."""
    return [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if PLOTLY_MIME in o.get("data", {})
    ]


def static_images(nb: Any, folder: Path) -> list[Path]:
    """Each plotly figure of the executed notebook as `NN_<title>.png` in `folder` (kaleido, offline), and embedded
    beside the interactive figure in the same output. Without a browser no image is made (logged, not fatal)."""
    import plotly.graph_objects as go

    from pipelines.reports.dashboard import export_static

    outputs = figure_outputs(nb)
    figures: dict[str, go.Figure] = {}
    for k, o in enumerate(outputs, start=1):
        fig = go.Figure(o["data"][PLOTLY_MIME])
        title = fig.layout.title.text or ""
        stem = f"{k:02d}_{_UNSAFE.sub('_', title)[:40]}".rstrip("_")
        figures[stem] = fig
    if folder.exists():
        for old in folder.glob("*.png"):  # the subject's previous run: its figures may have been more
            old.unlink()
    written = export_static(figures, folder, ("png",), width=1200)
    by_stem = {p.stem: p for p in written}
    for o, stem in zip(outputs, figures, strict=True):
        if stem in by_stem:
            o["data"]["image/png"] = base64.b64encode(by_stem[stem].read_bytes()).decode("ascii")
    return written
