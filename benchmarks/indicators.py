"""Benchmark the three 国考 real-name indicators (rn_update_rate, avg_attendance, key_staff_onsite_rate).

One run, three ways, on the raw tables of an existing warehouse file (attached read-only, never changed):
  1. the SQL models (staging → int_person_day → int_project_day → int_project_month) plus the area pooling;
  2. a straightforward pandas implementation of the same definitions (load time reported separately);
  3. a bare DuckDB scan-and-group of the same attendance columns (a floor: no dedupe, no rules).
Prints wall times, ratios, and the largest difference between the SQL and pandas area values.

    .venv/bin/python -m benchmarks.indicators --warehouse data/warehouse/wagewatch.duckdb [--as-of 2025-06-30]
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from benchmarks.targets import record
from benchmarks.timing import timed
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import connect, discover_models, run_models

TARGETS = ["int_project_month"]
AREA_SQL = """
select area_code, month,
       avg(cast(n_attendance_records > 0 as integer)) as rn_update_rate,
       avg(case when n_attendance_records > 0 then coalesce(n_worker_days / nullif(n_working_days, 0), 0) end)
           as avg_attendance,
       sum(n_pm_onsite_days + n_chief_supervisor_onsite_days) / nullif(2 * sum(n_working_days), 0)
           as key_staff_onsite_rate
from int_project_month where is_in_scope group by all order by all
"""
BARE_SQL = """
select project_code, strftime(cast("date" as date), '%Y-%m') as month, count(*) as n_records,
       count(distinct id_card_number_hash) as n_persons
from w.raw_attendance group by all
"""


def needed_models() -> dict:
    """The models the three indicators depend on (walked from int_project_month)."""
    models = discover_models()
    todo, keep = list(TARGETS), set()
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        todo.extend(r for r in models[name].refs if r in models)
    return {n: m for n, m in models.items() if n in keep}


def latest(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Staging rule for mutable entities: the latest extract of a key wins."""
    order = df.sort_values(["_extract_date", "_file_id", "_line"], ascending=False)
    return order.drop_duplicates(key, keep="first")


def pandas_indicators(frames: dict[str, pd.DataFrame], settings: Settings, as_of: date) -> pd.DataFrame:
    """The same definitions as the SQL models, written plainly in pandas."""
    s, ind = settings.scope, settings.indicators
    att = frames["attendance"].sort_values(["_extract_date", "_file_id", "_line"])
    att = att.drop_duplicates(["project_code", "id_card_number_hash", "date", "direction"])
    att = att.assign(work_date=att["date"].dt.normalize())
    att = att[att["work_date"] <= pd.Timestamp(as_of)]
    pday = att.groupby(["project_code", "id_card_number_hash", "work_date"])["date"].agg(
        ["count", "min", "max"]
    )
    if ind.valid_day_rule == "pair_4h":
        hours = (pday["max"] - pday["min"]).dt.total_seconds() / 3600
        pday = pday[(pday["count"] >= 2) & (hours >= ind.pair_min_hours)]
    pday = pday.reset_index()[["project_code", "id_card_number_hash", "work_date"]]

    roster = latest(frames["project_worker"], ["project_code", "id_card_number_hash"])
    pday = pday.merge(roster[["project_code", "id_card_number_hash", "work_role"]], how="left")
    corp = latest(frames["project_corp"], ["project_code", "corp_code", "corp_type"])
    corp = corp[corp["corp_type"].isin(["009", "007"])].assign(
        no_hash=lambda d: d["pm_id_card_number_hash"].isna(), exited=lambda d: d["exit_time"].notna()
    )
    corp = corp.sort_values(
        ["no_hash", "exited", "entry_time", "corp_code"],
        ascending=[True, True, False, True],
        na_position="last",
    ).drop_duplicates(["project_code", "corp_type"])
    staff = corp.dropna(subset=["pm_id_card_number_hash"]).rename(
        columns={"pm_id_card_number_hash": "id_card_number_hash"}
    )
    staff = staff.merge(
        roster[["project_code", "id_card_number_hash"]], how="inner"
    )  # not on roster scores 0
    pday = pday.merge(staff[["project_code", "id_card_number_hash", "corp_type"]], how="left")

    keys = ["project_code", "work_date"]
    workers = (
        pday[pday["work_role"].eq("20")].groupby(keys)["id_card_number_hash"].nunique().rename("n_workers")
    )
    pm = pday[pday["corp_type"].eq("009")].groupby(keys).size().gt(0).rename("pm")
    cs = pday[pday["corp_type"].eq("007")].groupby(keys).size().gt(0).rename("cs")
    days = (
        pd.concat([workers, pm, cs], axis=1).fillna({"n_workers": 0, "pm": False, "cs": False}).reset_index()
    )
    days = days[days["n_workers"] >= 1].assign(month=lambda d: d["work_date"].dt.strftime("%Y-%m"))
    monthly = (
        days.groupby(["project_code", "month"])
        .agg(
            n_working_days=("work_date", "size"),
            n_worker_days=("n_workers", "sum"),
            n_pm=("pm", "sum"),
            n_cs=("cs", "sum"),
        )
        .reset_index()
    )
    records = (
        att.assign(month=att["work_date"].dt.strftime("%Y-%m")).groupby(["project_code", "month"]).size()
    )
    records = records.rename("n_records").reset_index()

    first = min(att["work_date"].min(), pd.Timestamp(as_of)).to_period("M")
    months = pd.period_range(first, pd.Timestamp(as_of).to_period("M"), freq="M")
    spine = pd.DataFrame(
        {
            "month": months.strftime("%Y-%m"),
            "month_start": months.start_time,
            "month_end": months.end_time.normalize(),
        }
    )
    prj = latest(frames["project"], ["project_code"])
    pm_ = prj.merge(spine, how="cross")
    duty = pm_["builder_license_date"].fillna(pm_["start_date"]) + pd.Timedelta(days=s.grace_days)
    pm_ = pm_[
        pm_["prj_status"].isin(s.active_status)
        & pm_["category"].isin(s.categories)
        & (pm_["start_date"].isna() | (pm_["start_date"] <= pm_["month_end"]))
        & (pm_["complete_date"].isna() | (pm_["complete_date"] >= pm_["month_start"]))
        & (duty.isna() | (duty <= pm_["month_end"]))
    ]
    pm_ = (
        pm_.merge(records, how="left")
        .merge(monthly, how="left")
        .fillna({"n_records": 0, "n_working_days": 0, "n_worker_days": 0, "n_pm": 0, "n_cs": 0})
    )
    pm_["updated"] = (pm_["n_records"] > 0).astype(float)
    pm_["avg_att"] = (pm_["n_worker_days"] / pm_["n_working_days"].where(pm_["n_working_days"] > 0)).fillna(0)
    pm_.loc[pm_["n_records"] == 0, "avg_att"] = float("nan")
    area = (
        pm_.groupby(["area_code", "month"])
        .agg(
            rn_update_rate=("updated", "mean"),
            avg_attendance=("avg_att", "mean"),
            staff=("n_pm", "sum"),
            cs=("n_cs", "sum"),
            wd=("n_working_days", "sum"),
        )
        .reset_index()
    )
    area["key_staff_onsite_rate"] = (area["staff"] + area["cs"]) / (2 * area["wd"]).where(area["wd"] > 0)
    return area[["area_code", "month", "rn_update_rate", "avg_attendance", "key_staff_onsite_rate"]]


PANDAS_COLUMNS = {
    "attendance": 'project_code, id_card_number_hash, "date", direction',
    "project_worker": "project_code, id_card_number_hash, work_role",
    "project_corp": "project_code, corp_code, corp_type, pm_id_card_number_hash, entry_time, exit_time",
    "project": "project_code, area_code, category, prj_status, builder_license_date, start_date, complete_date",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--record", metavar="TIER", help="record the times for `python -m benchmarks.targets`"
    )
    args = parser.parse_args()
    settings = Settings()
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        con = connect(Path(scratch) / "bench.duckdb", threads=args.threads)
        con.execute(f"attach '{args.warehouse}' as w (read_only)")
        raw = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'w' and table_name like 'raw_%'"
            ).fetchall()
        ]
        for table in raw:
            con.execute(f"create view {table} as select * from w.{table}")
        as_of = args.as_of or con.execute("select max(_extract_date) from w.raw_attendance").fetchone()[0]
        print(
            f"warehouse {args.warehouse}  as_of {as_of}  attendance rows "
            f"{con.execute('select count(*) from w.raw_attendance').fetchone()[0]:,}"
        )

        timed(
            "sql: models", lambda: run_models(con, sql_params(settings, as_of), models=needed_models()), times
        )
        sql_area = timed("sql: area pooling", lambda: con.execute(AREA_SQL).df(), times)
        times["sql total"] = times["sql: models"] + times["sql: area pooling"]

        def load() -> dict[str, pd.DataFrame]:
            lineage = "_extract_date, _file_id, _line"
            return {
                e: con.execute(f"select {c}, {lineage} from w.raw_{e} where _extract_date <= ?", [as_of]).df()
                for e, c in PANDAS_COLUMNS.items()
            }

        frames = timed("pandas: load from DuckDB", load, times)
        pd_area = timed("pandas: compute", lambda: pandas_indicators(frames, settings, as_of), times)
        times["pandas total"] = times["pandas: load from DuckDB"] + times["pandas: compute"]
        timed("bare DuckDB scan-and-group", lambda: con.execute(BARE_SQL).fetchall(), times)

    print(f"\nsql / bare scan   {times['sql total'] / times['bare DuckDB scan-and-group']:>6.1f}x")
    print(f"pandas / sql      {times['pandas total'] / times['sql total']:>6.1f}x")
    record(
        args.record,
        indicators_s=times["sql total"],
        bare_scan_s=times["bare DuckDB scan-and-group"],
        pandas_s=times["pandas total"],
    )
    both = sql_area.merge(pd_area, on=["area_code", "month"], how="outer", suffixes=("_sql", "_pd"))
    for col in ("rn_update_rate", "avg_attendance", "key_staff_onsite_rate"):
        diff = (both[f"{col}_sql"].astype(float) - both[f"{col}_pd"].astype(float)).abs().max()
        print(f"max |sql − pandas| {col:<22} {diff:.3g}")


if __name__ == "__main__":
    main()
