"""Execute an analyst notebook (jupytext percent .py under notebooks/) against a warehouse and save it with outputs.

The notebooks declare their parameters in a cell holding `WAREHOUSE = …` (papermill style); the values given here
are injected right after that cell, so the file in notebooks/ stays the same for everyone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def available() -> list[str]:
    """The notebook names (file stems) under notebooks/."""
    return sorted(p.stem for p in NOTEBOOK_DIR.glob("*.py"))


def execute(
    name_or_path: str | Path, params: dict[str, Any], out: Path | None = None, timeout: int = 600
) -> Any:
    """Run the notebook top to bottom with `params`; write it to `out` (.ipynb) when given; return the notebook."""
    try:
        import jupytext
        import nbformat
        from nbclient import NotebookClient
    except ImportError as exc:  # the dev group (installed by `make install`) carries them
        raise RuntimeError("notebooks need jupytext, nbclient and ipykernel: run `make install`") from exc

    path = Path(name_or_path)
    if not path.suffix:
        path = NOTEBOOK_DIR / f"{name_or_path}.py"
    if not path.exists():
        raise FileNotFoundError(f"no notebook {path}; available: {', '.join(available())}")
    nb = jupytext.read(path)
    at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "WAREHOUSE" in c.source), None)
    if at is None:
        raise ValueError(f"{path.name} has no parameters cell (one that sets WAREHOUSE)")
    source = "\n".join(f"{k} = {v!r}" for k, v in params.items())
    nb.cells.insert(at + 1, jupytext.reads(source + "\n", fmt="py:percent").cells[0])
    workdir = out.parent if out else path.parent
    workdir.mkdir(parents=True, exist_ok=True)  # the kernel starts in it: it must exist before, not after
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    ).execute()
    if out:
        nbformat.write(nb, out)
    return nb
