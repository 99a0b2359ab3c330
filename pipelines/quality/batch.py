"""What GX validates for one entity tonight, in a module of its own below scope.py (which decides the batches and
builds the rules with gx_suites) and gx_suites.py (which validates them): no import cycle (tests/test_import_graph.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Batch:
    """What GX validates for one entity: the staged table (全量) or tonight's new rows (当日新增)."""

    entity: str
    table: str  # stg_<entity> or dq_batch_<entity>
    n_rows: int
    # incremental only: a FROM item (with `{batch}` for the new rows) of the stored rows whose key uniqueness is
    # checked — the new rows' months, keys among the new keys
    key_rows: str | None = None

    def key_relation(self) -> str:
        """The relation key uniqueness is checked over, `{batch}` filled with the batch table."""
        return self.key_rows.format(batch=self.table) if self.key_rows else self.table
