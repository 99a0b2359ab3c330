"""Prepare the spike's warehouse copies from a built city warehouse (never writes the source).

    .venv/bin/python benchmarks/spikes/sqlmesh/prepare.py SOURCE.duckdb WORKDIR

Writes WORKDIR/tonight.parquet (the attendance rows of the last work day: "tonight's delivery") and
WORKDIR/late.parquet (one punch one minute after the first punch of 2025-03-14, delivered on the last extract date
as a late correction), then WORKDIR/{ours,sm,inc}.duckdb: copies of SOURCE without the last day's rows.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb

LATE_DAY = "2025-03-14"


def main() -> None:
    source, work = Path(sys.argv[1]), Path(sys.argv[2])
    work.mkdir(parents=True, exist_ok=True)
    base = work / "ours.duckdb"
    shutil.copyfile(source, base)
    con = duckdb.connect(str(base))
    con.execute("SET enable_progress_bar = false")
    last = con.execute('select max(cast("date" as date)) from raw_attendance').fetchone()[0]  # type: ignore[index]
    today = f"cast(\"date\" as date) = DATE '{last.isoformat()}'"
    con.execute(
        f"COPY (select * from raw_attendance where {today}) TO '{work / 'tonight.parquet'}' (FORMAT parquet)"
    )
    con.execute(
        f"""COPY (select * replace ("date" + interval 1 minute as "date",
                   (select max(_extract_date) from raw_attendance) as _extract_date,
                   (select max(file_id) + 2 from load_file) as _file_id, 1 as _line)
              from raw_attendance where cast("date" as date) = DATE '{LATE_DAY}'
              order by project_code, id_card_number_hash, "date" limit 1)
            TO '{work / "late.parquet"}' (FORMAT parquet)"""
    )
    removed = con.execute(f"delete from raw_attendance where {today}").fetchone()[0]  # type: ignore[index]
    con.execute("CHECKPOINT")
    con.close()
    for name in ("sm.duckdb", "inc.duckdb"):
        shutil.copyfile(base, work / name)
    print(f"last work day {last}: {removed} rows -> tonight.parquet; copies in {work}")


if __name__ == "__main__":
    main()
