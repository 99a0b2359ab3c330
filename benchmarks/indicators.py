"""Benchmark the three 国考 real-name indicators (rn_update_rate, avg_attendance, key_staff_onsite_rate).

One run, three ways, on the raw tables of an existing warehouse file (attached read-only, never changed):
  1. the SQL models (staging → int_person_day → int_project_day → int_project_month) plus the area pooling;
  2. a straightforward pandas implementation of the same definitions (load time reported separately);
  3. a bare DuckDB scan-and-group of the same attendance columns (a floor: no dedupe, no rules).
Prints wall times, ratios, and the largest difference between the SQL and pandas area values. The pandas side
needs ~18 GB RSS on the whole city tier: `--skip-pandas` times the SQL side and the bare scan only, and
`--districts N` runs all three on the projects of N of the city's districts (three of its eleven: ~8 M punches).

    .venv/bin/python -m benchmarks.indicators --warehouse data/warehouse/wagewatch.duckdb [--as-of 2025-06-30]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from datetime import date
from functools import partial
from pathlib import Path

import duckdb
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
from raw_attendance group by all
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


def versions(df: pd.DataFrame, key: list[str], first_extract: pd.Timestamp) -> pd.DataFrame:
    """Staging rule for mutable entities (stg_<entity>_version): a key's rows per extract date (the last delivered
    wins), valid from that date (null at or before the registry's first extract) until the key's next one."""
    df = df.sort_values(["_extract_date", "_file_id", "_line"]).drop_duplicates(
        [*key, "_extract_date"], keep="last"
    )
    df = df.sort_values([*key, "_extract_date"])
    return df.assign(
        valid_from=df["_extract_date"].where(df["_extract_date"] > first_extract),
        valid_to=df.groupby(key, dropna=False)["_extract_date"].shift(-1),
    )


def valid_by_month(df: pd.DataFrame, spine: pd.DataFrame) -> pd.DataFrame:
    """Every version × month of the spine whose month_end it is valid on (month M reads the registry as delivered
    by the end of M)."""
    both = df.merge(spine[["month", "month_end"]], how="cross")
    ok = (both["valid_from"].isna() | (both["valid_from"] <= both["month_end"])) & (
        both["valid_to"].isna() | (both["valid_to"] > both["month_end"])
    )
    return both[ok]


def pandas_indicators(
    frames: dict[str, pd.DataFrame], firsts: dict[str, object], settings: Settings, as_of: date
) -> pd.DataFrame:
    """The same definitions as the SQL models, written plainly in pandas: punches → valid person-days → working days
    and key staff present → project-month (scope, registry and roster as delivered by each month's end) → area."""
    s, ind = settings.scope, settings.indicators
    end = pd.Timestamp(as_of)
    att = frames["attendance"]  # the loader stores each key once (first delivery): staging keeps every row
    att = att.assign(work_date=att["date"].dt.normalize())
    att = att[att["work_date"] <= end]

    starts = [att["work_date"].min(), firsts["pay_month"], firsts["received_date"]]
    first = min([pd.Timestamp(d) for d in starts if d is not None and not pd.isna(d)] or [end])
    months = pd.period_range(first.to_period("M"), end.to_period("M"), freq="M")
    spine = pd.DataFrame(
        {
            "month": months.strftime("%Y-%m"),
            "month_start": months.start_time,
            "month_end": months.end_time.normalize(),
        }
    )
    first_extract = pd.Timestamp(firsts["first_extract"])
    roster = valid_by_month(
        versions(frames["project_worker"], ["project_code", "id_card_number_hash"], first_extract), spine
    )[["project_code", "id_card_number_hash", "month", "work_role"]]

    pday = att.groupby(["project_code", "id_card_number_hash", "work_date"])["date"].agg(
        ["count", "min", "max"]
    )
    if ind.valid_day_rule == "pair_4h":
        hours = (pday["max"] - pday["min"]).dt.total_seconds() / 3600
        pday = pday[(pday["count"] >= 2) & (hours >= ind.pair_min_hours)]
    pday = pday.reset_index()[["project_code", "id_card_number_hash", "work_date"]]
    pday = pday.assign(month=pday["work_date"].dt.strftime("%Y-%m")).merge(roster, how="left")

    corp = valid_by_month(
        versions(frames["project_corp"], ["project_code", "corp_code", "corp_type"], first_extract), spine
    )
    corp = corp[corp["corp_type"].isin(["009", "007"])].assign(
        no_hash=lambda d: d["pm_id_card_number_hash"].isna(), exited=lambda d: d["exit_time"].notna()
    )
    corp = corp.sort_values(
        ["no_hash", "exited", "entry_time", "corp_code"],
        ascending=[True, True, False, True],
        na_position="last",
    ).drop_duplicates(["project_code", "month", "corp_type"])
    staff = corp.dropna(subset=["pm_id_card_number_hash"]).rename(
        columns={"pm_id_card_number_hash": "id_card_number_hash"}
    )
    # not on the roster (valid at the month's end) scores 0 for the role
    staff = staff.merge(roster[["project_code", "id_card_number_hash", "month"]], how="inner")
    pday = pday.merge(
        staff[["project_code", "id_card_number_hash", "month", "corp_type"]], how="left"
    )  # one 009 and one 007 per project-month: a person-day matches at most one row of each

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

    registered = frames["project"][["project_code"]].drop_duplicates()
    prj = valid_by_month(versions(frames["project"], ["project_code"], first_extract), spine)
    pm_ = registered.merge(spine, how="cross").merge(
        prj.drop(columns=["month_end"]), how="inner", on=["project_code", "month"]
    )  # not registered by the month's end: out of scope
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
    "attendance": 'project_code, id_card_number_hash, "date"',
    "project_worker": "project_code, id_card_number_hash, work_role",
    "project_corp": "project_code, corp_code, corp_type, pm_id_card_number_hash, entry_time, exit_time",
    "project": "project_code, area_code, category, prj_status, builder_license_date, start_date, complete_date",
}
# scalars the month spine and the registry versions start from (int_month, stg_first_extract), read by SQL
FIRSTS_SQL = """
select
    (select min(cast(pay_month || '-01' as date)) from raw_payroll where _extract_date <= $as_of
        and cast(pay_month || '-01' as date) <= $as_of) as pay_month,
    (select min(received_date) from raw_complaint where _extract_date <= $as_of and received_date <= $as_of)
        as received_date,
    (select min(_extract_date) from (
        {registry}
    )) as first_extract
"""


def firsts_sql() -> str:
    """FIRSTS_SQL with the registry tables stg_first_extract reads (the earliest extract of any of them)."""
    tables = sorted(r for r in discover_models()["stg_first_extract"].refs if r.startswith("raw_"))
    union = " union all ".join(f"select _extract_date from {t} where _extract_date <= $as_of" for t in tables)
    return FIRSTS_SQL.format(registry=union)


def layer_models(layer: str) -> dict:
    return {n: m for n, m in needed_models().items() if m.layer == layer}


def process_cpu() -> float:
    """User + system CPU seconds of this process so far (every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def raw_views(con: duckdb.DuckDBPyConnection, raw: list[str], districts: int | None) -> None:
    """The raw tables every side of the benchmark reads, as views of the attached warehouse; with `districts`,
    only the rows of the projects of the first that many districts (area_code order) in the tables that name a
    project, so SQL, pandas and the bare scan compute the same indicators over one smaller city."""
    if districts:
        con.execute(
            "create table bench_project as select distinct project_code from w.raw_project "
            "where area_code in (select distinct area_code from w.raw_project order by area_code limit ?)",
            [districts],
        )
    for table in raw:
        columns = {c for (c,) in con.execute(f"select name from pragma_table_info('w.{table}')").fetchall()}
        where = (
            " where project_code in (select project_code from bench_project)"
            if districts and "project_code" in columns
            else ""
        )
        con.execute(f"create view {table} as select * from w.{table}{where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--skip-pandas",
        action="store_true",
        help="time the SQL side and the bare scan only (the pandas side needs ~18 GB RSS on the city tier)",
    )
    parser.add_argument(
        "--districts",
        type=int,
        default=None,
        help="only the projects of the first N districts (all sides; the city's pandas side needs ~18 GB whole)",
    )
    parser.add_argument(
        "--record", metavar="TIER", help="record the times for `python -m benchmarks.targets`"
    )
    args = parser.parse_args()
    settings = Settings()
    times: dict[str, float] = {}
    cpu: dict[
        str, float
    ] = {}  # CPU seconds of this process (DuckDB's threads included): steadier on a busy machine
    with tempfile.TemporaryDirectory() as scratch:
        con = connect(Path(scratch) / "bench.duckdb", threads=args.threads)
        con.execute(f"attach '{args.warehouse}' as w (read_only)")
        raw = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'w' and table_name like 'raw_%'"
            ).fetchall()
        ]
        raw_views(con, raw, args.districts)
        as_of = args.as_of or con.execute("select max(_extract_date) from raw_attendance").fetchone()[0]
        print(
            f"warehouse {args.warehouse}  as_of {as_of}  districts {args.districts or 'all'}  attendance rows "
            f"{con.execute('select count(*) from raw_attendance').fetchone()[0]:,}"
        )

        params = sql_params(settings, as_of)
        cpu0 = process_cpu()
        # one run_models per layer, so the staging models and the indicator models show apart (same work as one
        # call); stg_attendance is a view of raw_attendance since the second round: the staging layer is the
        # registry versions and stg_payroll (int_month's spine reads it)
        for layer in ("staging", "intermediate"):
            timed(f"sql: {layer} models", partial(run_models, con, params, models=layer_models(layer)), times)
        sql_area = timed("sql: area pooling", lambda: con.execute(AREA_SQL).df(), times)
        cpu["sql"] = process_cpu() - cpu0
        times["sql total"] = (
            times["sql: staging models"] + times["sql: intermediate models"] + times["sql: area pooling"]
        )
        cpu0 = process_cpu()
        timed("bare DuckDB scan-and-group", lambda: con.execute(BARE_SQL).fetchall(), times)
        cpu["bare"] = process_cpu() - cpu0
        bare = times["bare DuckDB scan-and-group"]
        models_only = times["sql: intermediate models"] + times["sql: area pooling"]
        print(
            f"\nsql / bare scan   {times['sql total'] / bare:>6.1f}x  (without the staging models "
            f"{models_only / bare:.1f}x; CPU seconds {cpu['sql']:.1f} / {cpu['bare']:.1f} = "
            f"{cpu['sql'] / cpu['bare']:.1f}x)"
        )
        measured = {
            "indicators_s": times["sql total"],
            "indicator_models_s": models_only,
            "bare_scan_s": bare,
        }
        if args.districts is None:  # the targets table reads the whole warehouse's SQL ÷ bare
            record(args.record, **measured)
        if args.skip_pandas:
            return

        def load() -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
            lineage = "_extract_date, _file_id, _line"
            frames = {
                e: con.execute(f"select {c}, {lineage} from raw_{e} where _extract_date <= ?", [as_of]).df()
                for e, c in PANDAS_COLUMNS.items()
            }
            cur = con.execute(firsts_sql(), {"as_of": as_of})
            row = cur.fetchone()
            return frames, dict(zip([d[0] for d in cur.description], row or (), strict=True))

        cpu0 = process_cpu()
        frames, firsts = timed("pandas: load from DuckDB", load, times)
        pd_area = timed("pandas: compute", lambda: pandas_indicators(frames, firsts, settings, as_of), times)
        cpu["pandas"] = process_cpu() - cpu0
        times["pandas total"] = times["pandas: load from DuckDB"] + times["pandas: compute"]

    print(
        f"pandas / sql      {times['pandas total'] / times['sql total']:>6.1f}x  (CPU seconds "
        f"{cpu['pandas']:.1f} / {cpu['sql']:.1f} = {cpu['pandas'] / cpu['sql']:.1f}x; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GB)"
    )
    # pandas ÷ SQL from this run's two sides (on a district subset when the whole warehouse is too large for pandas)
    record(
        args.record,
        pandas_s=times["pandas total"],
        pandas_sql_s=times["sql total"],
        pandas_scope=f"{args.districts} districts" if args.districts else "all districts",
    )
    both = sql_area.merge(pd_area, on=["area_code", "month"], how="outer", suffixes=("_sql", "_pd"))
    print(f"area-months: sql {len(sql_area)}, pandas {len(pd_area)}, joined {len(both)}")
    for col in ("rn_update_rate", "avg_attendance", "key_staff_onsite_rate"):
        diff = (both[f"{col}_sql"].astype(float) - both[f"{col}_pd"].astype(float)).abs().max()
        print(f"max |sql − pandas| {col:<22} {diff:.3g}")


if __name__ == "__main__":
    main()
