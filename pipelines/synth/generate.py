"""Write a world as the platforms deliver it: dated extract folders, mixed formats, spellings and vendor codes.

Layout: OUT/inbox/<YYYY-MM-DD>/<entity>_<MMDD>[_partN].<ext>, OUT/truth/ (hazard, events, clean world),
OUT/faults_manifest.json with --faults. Line numbers in the manifest follow the loader: CSV/XLSX physical line
with the header as line 1; JSONL physical line; JSON payload 1-based index in its array; Parquet 1-based row.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.contracts import ENTITIES, load_contract
from pipelines.synth.mechanism import Mechanism, mechanism_named
from pipelines.synth.names import FUJIAN_AREAS
from pipelines.synth.world import TIERS, World, attendance_for, build_world, month_end, month_starts

FORMATS = ("csv_utf8", "csv_bom", "csv_gbk", "jsonl", "json_payload", "xlsx", "parquet")
SPELLINGS = ("snake", "camel", "zh")
# tiers small enough to also write the clean world (tables and punches) to truth/world/ for independent checks
TRUTH_TIERS = ("tiny", "demo")
MUTABLE_SNAPSHOTS = (
    "project",
    "project_corp",
    "team",
    "project_worker",
    "wage_account",
    "payment_guarantee",
    "wage_deposit",
    "complaint",
)
# event entities: (table, column that dates a row into an extract)
MONTHLY_EVENTS = {"payroll": "balance_date", "account_txn": "txn_time", "credit_event": "event_date"}
# --faults: JSONL files written as API payloads, one per line (sources.md "Delivery"): entity → (array, parent
# fields outside the array: contract columns, or an extra named field derived from one)
PAYLOAD_LINES = {
    "attendance": ("dataList", ("project_code",), ("punchDay", "date")),
    "project_worker": ("workerList", ("project_code",), None),
    "payroll": ("detailList", ("project_code", "pay_month"), None),
}
# --faults: unknown columns holding personal data: a clear ID under an unknown name, a known personal spelling
# whose values do not look like an ID, and a nested object (JSON text in a CSV cell, an object in JSONL)
PII_EXTRA_FLAT, PII_EXTRA_NAMED, PII_EXTRA_NESTED = "备用证件号", "身份证号", "emergencyContact"
# headers outside the contracts that faulty deliveries carry (readers of a generated inbox may ignore them)
INJECTED_EXTRA_HEADERS = ("punchDay", PII_EXTRA_FLAT, PII_EXTRA_NAMED, PII_EXTRA_NESTED)


def generate(
    tier: str = "demo",
    seed: int = 7,
    out: Path | str = Path("data/generated/demo"),
    *,
    faults: bool = False,
    n_projects: int | None = None,
    progress: Callable[[str], None] | None = None,
    mechanism: str | Mechanism = "base",
    start: date | None = None,
) -> dict:
    """Generate a world and write its deliveries and truth. Deterministic for a given seed and options.

    `mechanism` names the world's causal mechanism (`pipelines.synth.mechanism.MECHANISMS`; base by default),
    recorded in truth/mechanism.json and the returned summary. `start`: an earlier first month than the tier's (a
    longer history; world.build_world)."""
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {', '.join(TIERS)}, not {tier!r}")
    mech = mechanism_named(mechanism)
    say = progress or (lambda _msg: None)
    started = time.monotonic()
    out = Path(out)
    inbox = _fresh_inbox(out)
    say(f"building the {tier} world (seed {seed}, mechanism {mech.name})")
    world = build_world(tier, seed, n_projects, mechanism=mech, start=start)
    writer = _Writer(inbox, np.random.default_rng(seed + 1), faults)
    months = month_starts(world.start, world.end)
    if faults:  # registry history faults in the middle of the world's months (sources.md "Delivery")
        writer.revert_month = months[len(months) // 2]
        writer.correction_month = months[max(1, len(months) // 2 - 2)]
    # the punches as generated, before formats and faults: kept for truth on the small tiers only (the province
    # tier's attendance alone would need ~20 GB of memory)
    run = _Deliveries(
        world, writer, np.random.default_rng(seed + 2), tier, say, keep_attendance=tier in TRUTH_TIERS
    )
    daily_from = world.end - timedelta(days=4)  # the last five days arrive as nightly extracts
    for idx, m in enumerate(months):
        _write_month_extract(run, idx, m, daily_from)
    for k in range(5):  # nightly folders for the last five days
        _write_nightly_extract(run, k, daily_from + timedelta(days=k), months)
    _write_truth(world, out, tier, run.clean_attendance)
    if faults:
        writer.write_manifest(out / "faults_manifest.json", seed)
    seconds = round(time.monotonic() - started, 1)
    say(f"wrote {writer.n_files} files in {seconds} s")
    return {
        "tier": tier,
        "seed": seed,
        "mechanism": mech.name,
        "files": writer.n_files,
        "rows": run.rows,
        "seconds": seconds,
        "inbox": str(inbox),
    }


def _fresh_inbox(out: Path) -> Path:
    """OUT/inbox, emptied."""
    inbox = out / "inbox"
    if inbox.exists():
        import shutil

        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    return inbox


@dataclass
class _Deliveries:
    """A world being written extract by extract: rows written per entity, the clean punches kept for truth, the
    previous month's punches (for the quarter-start re-export)."""

    world: World
    writer: _Writer
    att_rng: np.random.Generator
    tier: str
    say: Callable[[str], None]
    keep_attendance: bool
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENTITIES, 0))
    clean_attendance: list[pl.DataFrame] = field(default_factory=list)
    previous_month: pl.DataFrame | None = None

    def punches(self, first: date, last: date) -> pl.DataFrame:
        att = attendance_for(self.world, first, last, self.att_rng)
        if self.keep_attendance:
            self.clean_attendance.append(att)
        return att

    def count(self, rows: dict[str, int]) -> None:
        for entity, n in rows.items():
            self.rows[entity] += n


def _write_month_extract(run: _Deliveries, idx: int, m: date, daily_from: date) -> None:
    """A month-end extract folder: the month's attendance (a re-export at quarter starts) and, before the nightly
    days, the registry snapshots and the month's events."""
    me = month_end(m)
    last = me if me < daily_from else daily_from - timedelta(days=1)
    folder = me if me < daily_from else daily_from - timedelta(days=1)
    run.say(f"  extract {folder}: attendance {m:%Y-%m}")
    att = run.punches(m, last)
    run.rows["attendance"] += run.writer.write_attendance(att, folder, idx, run.tier)
    if idx and m.month in (1, 4, 7, 10):  # quarter-start re-export repeats part of last month (overlap)
        prev = run.previous_month if run.previous_month is not None else att.clear()
        # the very rows delivered last month: a re-export adds no new punch
        subset = prev.filter(
            pl.col("project_code").is_in(prev["project_code"].unique().sort().head(5).to_list())
        )
        run.writer.write(subset, "attendance", folder, idx + 3, suffix="reexport")
    run.previous_month = att
    if me < daily_from:
        run.count(run.writer.write_month(run.world, m, me, idx))


def _write_nightly_extract(run: _Deliveries, k: int, d: date, months: list[date]) -> None:
    """One of the last five days' nightly folders: its punches, and on the world's last day the month's rest."""
    att = run.punches(d, d)
    run.rows["attendance"] += run.writer.write(att, "attendance", d, k)
    if d == run.world.end:
        run.count(run.writer.write_month(run.world, months[-1], d, len(months) - 1))


def _write_truth(world: World, out: Path, tier: str, attendance: list[pl.DataFrame]) -> None:
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    if world.project_month is None or world.events is None:
        raise ValueError("the world has no truth tables")
    world.project_month.write_parquet(truth / "project_month.parquet")
    world.events.sort("project_code", "event_date").write_parquet(truth / "events.parquet")
    # which causal mechanism drew the world (its name and every driver's weight)
    record = world.mechanism.as_record()
    if world.payroll_delay_days:
        record["late_payroll_districts"] = world.payroll_delay_days
    (truth / "mechanism.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    if tier in TRUTH_TIERS:
        (truth / "world").mkdir(exist_ok=True)
        for name, df in world.tables.items():
            if not name.startswith("_"):
                df.write_parquet(truth / "world" / f"{name}.parquet")
        # the clean punches, for checks that recompute indicators without the delivery path (small tiers only)
        pl.concat(attendance, how="diagonal_relaxed").write_parquet(truth / "world" / "attendance.parquet")
    areas = pl.DataFrame(
        [
            {"code": k, "name_zh": v[0], "city_zh": v[1], "province_zh": "福建省"}
            for k, v in FUJIAN_AREAS.items()
        ]
    )
    areas.write_csv(truth / "areas.csv")


class _Writer:
    """Formats, spellings and vendor variants, rotated deterministically; faults recorded in a manifest."""

    def __init__(self, inbox: Path, rng: np.random.Generator, faults: bool) -> None:
        self.inbox = inbox
        self.rng = rng
        self.faults_on = faults
        self.faults: list[dict] = []
        self.n_files = 0
        self._turn = 0
        self._fault_turn = 0
        self._extra_turn = 0  # payload lines, null keys, personal data in extra columns (their own rotation)
        self.last_file: str | None = None  # the inbox-relative path _emit wrote last
        # registry history the warehouse must keep (not data errors: no check reports them), in the manifest's
        # "history" list: a status that reverts, a row delivered wrong and corrected by a later file
        self.history: list[dict] = []
        self.revert_month: date | None = None  # --faults: a project is 停工 in this month's extract only
        self.correction_month: date | None = (
            None  # --faults: a wrong area in this month's extract, then corrected
        )

    def _file_fault_due(self, kind: str, every: int, at: int) -> bool:
        """Whether this file gets a file-level fault: every `every`-th turn, and the first chance until one was
        injected, so that every faulty world holds every kind whatever its size."""
        return self._fault_turn % every == at or not any(f["kind"] == kind for f in self.faults)

    # -------------------------------------------------------------- per month
    def write_month(self, world: World, m: date, folder: date, idx: int) -> dict[str, int]:
        rows: dict[str, int] = {}
        me = month_end(m)
        for e in MUTABLE_SNAPSHOTS:
            df = world.tables[e]
            df = self._as_of(e, df, me)
            if e == "project" and m == self.revert_month:
                rows[e] = self._status_reverts(world, df, m, folder, idx)
                continue
            if e == "project" and m == self.correction_month:
                rows[e] = self._corrected_registry_row(world, df, m, folder, idx)
                continue
            rows[e] = self.write(df, e, folder, idx)
        prog = world.tables["project_progress"].filter(pl.col("month") == f"{m:%Y-%m}")
        rows["project_progress"] = self.write(prog, "project_progress", folder, idx)
        for e, col in MONTHLY_EVENTS.items():
            df = world.tables[e]
            d = pl.col(col).cast(pl.Date)
            if e == "payroll" and world.payroll_delay_days:  # late-delivery: a district's lines arrive later
                d = _payroll_delivered_on(world)
            if idx == 0:
                part = df.filter(d <= me)
            else:
                part = df.filter((d > month_end(m - timedelta(days=1))) & (d <= me))
            if folder == world.end:
                part = df.filter((d > month_end(m - timedelta(days=1))) & (d <= folder))
            rows[e] = self.write(part, e, folder, idx)
        return rows

    def _status_reverts(self, world: World, df: pl.DataFrame, m: date, folder: date, idx: int) -> int:
        """--faults: one project 在建 the month before and after is 停工 (005) in this month's extract only, so its
        registry goes 003 → 005 → 003 and the third version repeats the first (the loader must keep it)."""
        code = _steady_project(world, df, m, 0)
        if code is None:
            return self.write(df, "project", folder, idx)
        stopped = pl.when(pl.col("project_code") == code).then(pl.lit("005")).otherwise(pl.col("prj_status"))
        n = self.write(df.with_columns(prj_status=stopped), "project", folder, idx)
        self.history.append(
            {
                "kind": "status_reverts",
                "entity": "project",
                "file": self.last_file,
                "project_code": code,  # the row is found by its code (value faults may move lines)
                "column": "prj_status",
                "detail": "003 → 005 → 003",
            }
        )
        return n

    def _corrected_registry_row(self, world: World, df: pl.DataFrame, m: date, folder: date, idx: int) -> int:
        """--faults: this month's project extract gives one project a wrong district; a correction file in the same
        extract folder restates the row right. Loaded with the folder it is an ordinary second file; dropped into
        the folder after the month was published, it is a correction for that month (更正)."""
        code = _steady_project(world, df, m, 1)
        if code is None:
            return self.write(df, "project", folder, idx)
        right = df.filter(pl.col("project_code") == code)["area_code"][0]
        wrong = next(a for a in sorted(FUJIAN_AREAS) if a != right)
        n = self.write(
            df.with_columns(
                area_code=pl.when(pl.col("project_code") == code)
                .then(pl.lit(wrong))
                .otherwise(pl.col("area_code"))
            ),
            "project",
            folder,
            idx,
        )
        wrong_file = self.last_file
        self._emit(
            df.filter(pl.col("project_code") == code), "project", folder, "csv_utf8", "snake", "correction"
        )
        self.history.append(
            {
                "kind": "corrected_row",
                "entity": "project",
                "file": wrong_file,
                "correction_file": self.last_file,
                "project_code": code,
                "column": "area_code",
                "detail": f"{wrong} → {right}",
            }
        )
        return n + 1

    @staticmethod
    def _as_of(entity: str, df: pl.DataFrame, me: date) -> pl.DataFrame:
        """A snapshot as the platform shows it at a month end (later facts not yet known)."""
        if entity == "project":
            return df.filter(pl.col("builder_license_date") <= me + timedelta(days=60)).with_columns(
                prj_status=pl.when(pl.col("start_date") > me)
                .then(pl.lit("002"))
                .when((pl.col("prj_status") == "004") & (pl.col("complete_date") > me))
                .then(pl.lit("003"))
                .when((pl.col("prj_status") == "005") & (pl.lit(me) < pl.lit(date(2025, 11, 30))))
                .then(pl.lit("003"))
                .otherwise(pl.col("prj_status"))
            )
        if entity == "project_worker":
            return df.filter(pl.col("entry_time") <= me).with_columns(
                exit_time=pl.when(pl.col("exit_time") <= me).then(pl.col("exit_time")).otherwise(None)
            )
        if entity == "complaint":
            return df.filter(pl.col("received_date") <= me).with_columns(
                status=pl.when(pl.col("closed_date") <= me)
                .then(pl.lit("03"))
                .when(pl.col("status") == "03")
                .then(pl.lit("02"))
                .otherwise(pl.col("status")),
                closed_date=pl.when(pl.col("closed_date") <= me).then(pl.col("closed_date")).otherwise(None),
            )
        if entity == "wage_account":
            return df.filter(pl.col("open_date") <= me)
        if entity in ("project_corp", "team"):
            return df.filter(pl.col("entry_time") <= me + timedelta(days=60))
        if entity == "payment_guarantee":
            return df.filter(pl.col("start_date") <= me)
        return df

    def write_attendance(self, att: pl.DataFrame, folder: date, idx: int, tier: str) -> int:
        """Bulk attendance: Parquet part files at city/province tiers, mixed formats otherwise."""
        if tier in ("city", "province"):
            parts = max(1, att.height // 2_000_000)
            for p, chunk in enumerate(att.iter_slices(max(1, att.height // parts + 1))):
                self._emit(chunk, "attendance", folder, "parquet", "snake", f"part{p + 1}")
            return att.height
        if att.height > 300_000:  # big months: Parquet, plus a slice in another format and spelling
            cut = att.height - 20_000
            self._emit(att.head(cut), "attendance", folder, "parquet", "snake", "part1")
            return cut + self.write(att.tail(att.height - cut), "attendance", folder, idx, suffix="part2")
        return self.write(att, "attendance", folder, idx)

    def write(self, df: pl.DataFrame, entity: str, folder: date, idx: int, suffix: str | None = None) -> int:
        if df.height == 0:
            return 0
        self._turn += 1
        fmt = FORMATS[(self._turn + idx) % len(FORMATS)]
        if fmt == "xlsx" and df.height > 20_000:
            fmt = "csv_gbk"
        spelling = SPELLINGS[(self._turn * 2 + idx) % len(SPELLINGS)]
        if fmt == "json_payload":
            spelling = "camel"  # the national API speaks camelCase
        self._emit(df, entity, folder, fmt, spelling, suffix)
        return df.height

    # -------------------------------------------------------------- one file
    def _emit(
        self, df: pl.DataFrame, entity: str, folder: date, fmt: str, spelling: str, suffix: str | None
    ) -> None:
        """Write one file of an entity in a format and a spelling, its faults (with --faults) in the manifest."""
        contract = load_contract(entity)
        path = self._new_path(entity, folder, fmt, suffix)
        cols = [c for c in contract.column_names if c in df.columns]
        text = _to_text(df.select(cols))
        text = self._vendor_variants(text, entity, fmt)
        payload_lines = self.faults_on and self._payload_lines_due(entity, fmt, text)
        text, faults = self._with_row_faults(text, entity, fmt, planned=self.faults_on and not payload_lines)
        header_of = {
            c.name: {"snake": c.name, "camel": c.camel, "zh": c.zh}[spelling] for c in contract.columns
        }
        renamed = text.rename({c: header_of[c] for c in text.columns})
        rel = path.relative_to(self.inbox).as_posix()
        if self.faults_on and self._pii_extras_due(entity, fmt, text):
            renamed = _with_pii_extras(renamed, text, nested_as_text=fmt.startswith("csv"))
            self._file_fault(
                "pii_extra_column",
                entity,
                rel,
                "、".join((PII_EXTRA_FLAT, PII_EXTRA_NAMED, PII_EXTRA_NESTED)),
            )
        if fmt.startswith("csv"):
            faults = self._write_csv(path, renamed, text, entity, fmt, faults)
        elif fmt == "jsonl":
            self._write_jsonl(path, renamed, entity, faults, header_of if payload_lines else None)
        elif fmt == "json_payload":
            parent = header_of["project_code"] if "project_code" in cols else None
            faults = self._write_json_payload(
                path, renamed, entity, contract.payload_arrays[0], parent, faults
            )
        elif fmt == "xlsx":
            renamed.write_excel(path, worksheet="Sheet1", autofit=False)
        else:
            renamed.write_parquet(path)
        for f in faults:
            self.faults.append({**f, "entity": entity, "file": rel})
        self.last_file = rel
        self.n_files += 1

    def _new_path(self, entity: str, folder: date, fmt: str, suffix: str | None) -> Path:
        """inbox/<folder>/<entity>_<MMDD>[_suffix][_n].<ext>: a free name in the extract folder."""
        d = self.inbox / folder.isoformat()
        d.mkdir(parents=True, exist_ok=True)
        ext = {
            "csv_utf8": "csv",
            "csv_bom": "csv",
            "csv_gbk": "csv",
            "jsonl": "jsonl",
            "json_payload": "json",
            "xlsx": "xlsx",
            "parquet": "parquet",
        }[fmt]
        stem = f"{entity}_{folder:%m%d}" + (f"_{suffix}" if suffix else "")
        path = d / f"{stem}.{ext}"
        n = 2
        while path.exists():
            path = d / f"{stem}_{n}.{ext}"
            n += 1
        return path

    def _with_row_faults(
        self, text: pl.DataFrame, entity: str, fmt: str, *, planned: bool
    ) -> tuple[pl.DataFrame, list[dict]]:
        """The text with its row-level faults applied (value faults, a null key), and the faults; none unless
        `planned`."""
        if not planned:
            return text, []
        faults = self._plan_faults(text, entity, fmt)
        faults += self._plan_null_key(text, entity, fmt, faults)
        for f in faults:
            text = _apply_null_key(text, f) if f["kind"] == "null_key" else _apply_value_fault(text, f)
        return text, faults

    def _file_fault(self, kind: str, entity: str, rel: str, detail: str) -> None:
        """A fault of a whole file (no line, no column) in the manifest."""
        self.faults.append(
            {"kind": kind, "entity": entity, "file": rel, "line": None, "column": None, "detail": detail}
        )

    def _write_csv(
        self, path: Path, renamed: pl.DataFrame, text: pl.DataFrame, entity: str, fmt: str, faults: list[dict]
    ) -> list[dict]:
        """A CSV file with its line faults (a duplicated line, an extra field), perhaps a wrong encoding or a cut
        transfer; returns the row faults that remain in the file."""
        lines = _csv_lines(renamed)
        for f in faults:
            if f["kind"] == "duplicate_row":
                lines.insert(f["line"], lines[f["line"] - 1])
            elif f["kind"] == "broken_line":
                lines[f["line"] - 1] = lines[f["line"] - 1].rstrip("\r\n") + ",多余字段\r\n"
        _shift_after_duplicate(faults)
        body = "".join(lines)
        enc = {"csv_utf8": "utf-8", "csv_bom": "utf-8-sig", "csv_gbk": "gbk"}[fmt]
        raw = body.encode(enc, errors="replace")
        if (
            self.faults_on
            and fmt == "csv_gbk"
            and self._file_fault_due("wrong_encoding", 23, 5)
            and len(raw) > 200
        ):
            raw = raw[:100] + b"\xff\xfe\x81\x30" * 8 + raw[100:]  # decodes as neither UTF-8 nor GB18030
            self._file_fault(
                "wrong_encoding", entity, path.relative_to(self.inbox).as_posix(), "invalid byte sequence"
            )
            faults = []
        elif self.faults_on and _cut_due(self.faults, entity, text, raw):
            raw, faults = _cut_mid_line(raw, faults)
        path.write_bytes(raw)
        return faults

    def _write_jsonl(
        self,
        path: Path,
        renamed: pl.DataFrame,
        entity: str,
        faults: list[dict],
        payload_headers: dict[str, str] | None,
    ) -> None:
        """A JSONL file, one record a line (a duplicated line as a fault), or API payload lines when
        `payload_headers` (the file's spelling of each column) is given."""
        records = renamed.to_dicts()
        for f in faults:
            if f["kind"] == "duplicate_row":
                records.insert(f["line"], records[f["line"] - 1])
        _shift_after_duplicate(faults)
        if payload_headers is not None:
            lines, n_payloads = _payload_lines([_drop_nulls(r) for r in records], entity, payload_headers)
            detail = f"{n_payloads} payloads of {len(records)} records, plain lines mixed in"
            self._file_fault("payload_lines", entity, path.relative_to(self.inbox).as_posix(), detail)
        else:
            lines = [json.dumps(_drop_nulls(r), ensure_ascii=False) for r in records]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")

    def _write_json_payload(
        self,
        path: Path,
        renamed: pl.DataFrame,
        entity: str,
        array: str,
        parent: str | None,
        faults: list[dict],
    ) -> list[dict]:
        """A JSON payload: the records in `array`, the parent key outside it when the file holds one project
        (`parent`, in the file's own spelling: write() uses camel for payloads); perhaps truncated."""
        payload: dict = {}
        records = [_drop_nulls(r) for r in renamed.to_dicts()]
        if parent and renamed[parent].n_unique() == 1:
            payload[parent] = records[0].get(parent)
            for r in records:
                r.pop(parent, None)
        payload[array] = records
        blob = json.dumps(payload, ensure_ascii=False)
        if self.faults_on and self._file_fault_due("truncated_file", 17, 3) and len(blob) > 200:
            blob = blob[: len(blob) // 2]
            self._file_fault(
                "truncated_file", entity, path.relative_to(self.inbox).as_posix(), "file cut mid-way"
            )
            faults = []
        path.write_text(blob, encoding="utf-8")
        return faults

    def _vendor_variants(self, text: pl.DataFrame, entity: str, fmt: str) -> pl.DataFrame:
        """Vendor codes real exports carry: direction E/L, IN/OUT, 1/0; codes without leading zeros."""
        pick = self._turn % 4
        if entity == "attendance" and fmt in ("csv_gbk", "jsonl", "csv_bom") and "direction" in text.columns:
            mapping = [{"01": "E", "02": "L"}, {"01": "IN", "02": "OUT"}, {"01": "1", "02": "0"}, {}][pick]
            if mapping:
                text = text.with_columns(pl.col("direction").replace(mapping))
        if entity == "project" and fmt == "csv_utf8" and "prj_status" in text.columns:
            text = text.with_columns(pl.col("prj_status").str.strip_chars_start("0"))
        if entity == "project_worker" and fmt == "jsonl":
            text = text.with_columns(pl.col("work_role").str.replace_all("2", "２"))  # full-width digit
        return text

    def _plan_faults(self, text: pl.DataFrame, entity: str, fmt: str) -> list[dict]:
        """At most a couple of row-level faults per text file, one kind per row."""
        if fmt not in ("csv_utf8", "csv_bom", "csv_gbk", "jsonl") or text.height < 8:
            return []
        self._fault_turn += 1
        contract = load_contract(entity)
        kinds = [
            "bad_date_format",
            "unknown_code",
            "negative_amount",
            "out_of_range_date",
            "bad_id_check_digit",
            "bad_uscc_check_digit",
            "duplicate_row",
            "unknown_worker",
        ]
        if fmt.startswith("csv"):
            kinds.append("broken_line")
        rows = self.rng.choice(text.height, size=min(2, text.height), replace=False)
        planned = []
        first_line = 2 if fmt.startswith("csv") else 1
        for r in sorted(int(x) for x in rows):
            kind = kinds[(self._fault_turn + r) % len(kinds)]
            col = _fault_column(contract, kind, text)
            if col is None and kind not in ("duplicate_row", "broken_line"):
                continue
            planned.append({"kind": kind, "row": r, "line": r + first_line, "column": col})
        # every faulty world holds an unknown worker, whatever its size: the first attendance row fault until one
        # was injected (payload lines and a cut file can take the files the rotation would have picked)
        if entity == "attendance" and planned and not any(f["kind"] == "unknown_worker" for f in self.faults):
            col = _fault_column(contract, "unknown_worker", text)
            if col is not None and planned[0]["kind"] != "duplicate_row":
                planned[0] = {**planned[0], "kind": "unknown_worker", "column": col}
        # a duplicated line shifts later line numbers: keep at most one, and place it last
        dup = [p for p in planned if p["kind"] == "duplicate_row"]
        return [p for p in planned if p["kind"] != "duplicate_row"] + dup[:1]

    # ------------------------------------------- delivery faults of issue 15 (payloads, null keys, extras)
    def _payload_lines_due(self, entity: str, fmt: str, text: pl.DataFrame) -> bool:
        """A JSONL file of attendance, roster or payroll written as payload lines: the first of each entity, then
        every third."""
        if fmt != "jsonl" or entity not in PAYLOAD_LINES or text.height < 8:
            return False
        self._extra_turn += 1
        first = not any(f["kind"] == "payload_lines" and f["entity"] == entity for f in self.faults)
        return first or self._extra_turn % 3 == 0

    def _plan_null_key(self, text: pl.DataFrame, entity: str, fmt: str, planned: list[dict]) -> list[dict]:
        """A row whose natural-key part is empty (CSV) or absent (JSONL): every fourth text file, and the first."""
        if fmt not in ("csv_utf8", "csv_bom", "csv_gbk", "jsonl") or text.height < 8:
            return []
        self._extra_turn += 1
        if any(f["kind"] == "null_key" for f in self.faults) and self._extra_turn % 4:
            return []
        key = [k for k in load_contract(entity).key if k in text.columns]
        taken = {f["row"] for f in planned} | {f["row"] + 1 for f in planned if f["kind"] == "duplicate_row"}
        free = [r for r in range(text.height) if r not in taken]
        if not key or not free:
            return []
        r = free[(self._extra_turn * 7) % len(free)]
        first_line = 2 if fmt.startswith("csv") else 1
        return [
            {"kind": "null_key", "row": r, "line": r + first_line, "column": key[self._extra_turn % len(key)]}
        ]

    def _pii_extras_due(self, entity: str, fmt: str, text: pl.DataFrame) -> bool:
        """Roster CSV/JSONL files with personal data in unknown columns: the first of each format, then every
        third."""
        if entity != "project_worker" or fmt not in ("csv_utf8", "csv_gbk", "jsonl"):
            return False
        if "id_card_number" not in text.columns:
            return False
        self._extra_turn += 1
        ext = "jsonl" if fmt == "jsonl" else "csv"
        first = not any(f["kind"] == "pii_extra_column" and f["file"].endswith(ext) for f in self.faults)
        return first or self._extra_turn % 3 == 0

    def write_manifest(self, path: Path, seed: int) -> None:
        faults = [
            {k: f[k] for k in ("kind", "entity", "file", "line", "column", "detail") if k in f}
            for f in self.faults
        ]
        counts: dict[str, int] = {}
        for f in faults:
            counts[f["kind"]] = counts.get(f["kind"], 0) + 1
        path.write_text(
            json.dumps(
                {"seed": seed, "faults": faults, "counts": counts, "history": self.history},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )


def _payroll_delivered_on(world: World) -> pl.Expr:
    """The day a pay line reaches the platform: its pay date, plus its district's lag in a late-delivery world."""
    area = world.tables["project"].select("project_code", "area_code")
    codes = area["project_code"].to_list()
    lag = [world.payroll_delay_days.get(a, 0) for a in area["area_code"].to_list()]
    days = pl.col("project_code").replace_strict(codes, lag, default=0, return_dtype=pl.Int64)
    return pl.col("balance_date").cast(pl.Date) + pl.duration(days=days)


def _steady_project(world: World, snapshot: pl.DataFrame, m: date, nth: int) -> str | None:
    """The nth project (by code) that is 在建 in the snapshots of the month before m, m and the month after:
    started before m, planned to complete after the next month, registered already, 003 in the world, and of a
    category the indicators count (so the history shows in the published tables)."""
    before, after = m - timedelta(days=1), month_end(month_end(m) + timedelta(days=1))
    final = world.tables["project"].filter(pl.col("prj_status") == "003")["project_code"]
    steady = snapshot.filter(
        (pl.col("prj_status") == "003")
        & pl.col("category").is_in(["01", "02"])  # in the indicators' scope (settings.scope.categories)
        & pl.col("project_code").is_in(final.implode())
        & (pl.col("start_date") <= before)
        & (pl.col("builder_license_date") <= before)
        & (pl.col("complete_date").is_null() | (pl.col("complete_date") > after))
    )["project_code"].sort()
    return steady[nth] if steady.len() > nth else None


def _fault_column(contract, kind: str, text: pl.DataFrame) -> str | None:
    def first(pred) -> str | None:
        return next((c.name for c in contract.columns if c.name in text.columns and pred(c)), None)

    if kind in ("bad_date_format", "out_of_range_date"):
        return first(
            lambda c: (
                c.type in ("date", "datetime") and c.name not in ("exit_time", "close_date", "closed_date")
            )
        )
    if kind == "unknown_code":
        return first(lambda c: c.type == "code" and c.codes is not None and not c.open_set)
    if kind == "negative_amount":
        return first(
            lambda c: (
                c.type == "decimal"
                and (c.min is not None or c.min_exclusive is not None)
                and c.name not in ("lng", "lat", "labor_cost_ratio")
            )
        )
    if kind == "bad_id_check_digit":
        return first(lambda c: c.check == "id_card" and c.name in ("id_card_number",))
    if kind == "bad_uscc_check_digit":
        return first(lambda c: c.check == "uscc")
    if kind == "unknown_worker":
        return (
            "id_card_number" if contract.entity == "attendance" and "id_card_number" in text.columns else None
        )
    return None


def _apply_null_key(text: pl.DataFrame, f: dict) -> pl.DataFrame:
    """Empty the key part of one row: an empty CSV cell, an absent JSONL field."""
    col, r = f["column"], f["row"]
    f["detail"] = f"{col}: null_key"
    return text.with_columns(
        pl.when(pl.int_range(pl.len()) == r).then(pl.lit(None, pl.Utf8)).otherwise(pl.col(col)).alias(col)
    )


def _payload_lines(records: list[dict], entity: str, header_of: dict[str, str]) -> tuple[list[str], int]:
    """Records grouped into API payloads, one JSON object per line, the parent's fields outside the array; every
    third group is written as plain record lines instead, so one file mixes both (as API gateways log them)."""
    array, parents, derived = PAYLOAD_LINES[entity]
    outside = [header_of[p] for p in parents]
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        key = tuple(r.get(p) for p in outside)
        if derived:
            key += (str(r.get(header_of[derived[1]], ""))[:10],)
        groups.setdefault(key, []).append(r)
    lines, n_payloads = [], 0
    for g, (key, rows) in enumerate(groups.items()):
        if g % 3 == 2:
            lines += [json.dumps(r, ensure_ascii=False) for r in rows]
            continue
        payload = {p: v for p, v in zip(outside, key, strict=False) if v is not None}
        if derived:
            payload[derived[0]] = key[-1]
        payload[array] = [{k: v for k, v in r.items() if k not in payload} for r in rows]
        lines.append(json.dumps(payload, ensure_ascii=False))
        n_payloads += 1
    return lines, n_payloads


def _with_pii_extras(renamed: pl.DataFrame, text: pl.DataFrame, *, nested_as_text: bool) -> pl.DataFrame:
    """Unknown columns holding each row's clear ID number (flat, under a known personal name in a form that does
    not look like an ID, and inside a nested object with the phone and bank card)."""
    ids = text["id_card_number"].to_list()
    phones = text["cell_phone"].to_list() if "cell_phone" in text.columns else [None] * text.height
    cards = (
        text["pay_roll_bank_card_number"].to_list()
        if "pay_roll_bank_card_number" in text.columns
        else [None] * text.height
    )
    nested = [
        {
            "relation": "本人",
            "idNo": i,
            "contact": {"mobile": p},
            "cards": [c] if c else [],
            "note": f"身份证{i}核验通过" if i else None,
        }
        for i, p, c in zip(ids, phones, cards, strict=True)
    ]
    nested_col = (
        pl.Series(PII_EXTRA_NESTED, [json.dumps(n, ensure_ascii=False) for n in nested], dtype=pl.Utf8)
        if nested_as_text
        else pl.Series(PII_EXTRA_NESTED, nested)
    )
    return renamed.with_columns(
        pl.Series(PII_EXTRA_FLAT, ids, dtype=pl.Utf8),
        pl.Series(PII_EXTRA_NAMED, [f"ID-{i[:6]}/{i[6:]}" if i else None for i in ids], dtype=pl.Utf8),
        nested_col,
    )


def _shift_after_duplicate(faults: list[dict]) -> None:
    """The copy of a duplicated row is inserted right after it, so faults on later rows move down one line."""
    for dup in [f for f in faults if f["kind"] == "duplicate_row"]:
        for f in faults:
            if f is not dup and f["line"] > dup["line"]:
                f["line"] += 1


def _apply_value_fault(text: pl.DataFrame, f: dict) -> pl.DataFrame:
    kind, r, col = f["kind"], f["row"], f["column"]
    if col is None:
        return text
    value = text[col][r]
    if value is None:
        value = ""
    if kind == "bad_date_format":
        new = "2025/13/45"
    elif kind == "out_of_range_date":
        new = "2099-01-01" + (" 08:00:00" if len(value) > 10 else "")
    elif kind == "unknown_code":
        new = "77"
    elif kind == "negative_amount":
        new = "-1234.5"
    elif kind == "bad_id_check_digit":
        if len(value) != 18:
            return text
        last = "0123456789X"
        new = value[:17] + last[(last.index(value[17].upper()) + 1) % 11]
    elif kind == "bad_uscc_check_digit":
        if len(value) != 18:
            return text
        new = value[:17] + ("0" if value[17] != "0" else "1")
    elif kind == "unknown_worker":
        from pipelines.identifiers import id_check_char

        body = "11010119700101" + f"{900 + r % 99:03d}"
        new = body + id_check_char(body)
    else:
        return text
    f["detail"] = f"{col}: {kind}"
    return text.with_columns(
        pl.when(pl.int_range(pl.len()) == r).then(pl.lit(new)).otherwise(pl.col(col)).alias(col)
    )


def _to_text(df: pl.DataFrame) -> pl.DataFrame:
    """Every value as the platforms print it: dates yyyy-MM-dd, times yyyy-MM-dd HH:mm:ss, booleans 1/0."""
    exprs = []
    for name, dtype in df.schema.items():
        c = pl.col(name)
        if dtype == pl.Date:
            exprs.append(c.dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(c.dt.strftime("%Y-%m-%d %H:%M:%S"))
        elif dtype == pl.Boolean:
            exprs.append(c.cast(pl.Int8).cast(pl.Utf8))
        elif dtype in (pl.Float64, pl.Float32):
            exprs.append(c.round(2).cast(pl.Utf8))
        else:
            exprs.append(c.cast(pl.Utf8))
    return df.select(exprs)


def _cut_due(done: list[dict], entity: str, text: pl.DataFrame, raw: bytes) -> bool:
    """One attendance CSV per world is cut: the first night's extract (one day of punches) of some size."""
    if entity != "attendance" or "date" not in text.columns or raw.count(b"\n") < 9:
        return False
    one_day = text["date"].drop_nulls().str.slice(0, 10).n_unique() == 1
    return one_day and not any(f["kind"] == "cut_last_line" for f in done)


def _cut_mid_line(raw: bytes, faults: list[dict]) -> tuple[bytes, list[dict]]:
    """A transfer that stopped early: the header and about half the records, then half of the next record.

    The cut falls right after a comma in the middle of that record (ASCII: never inside a multi-byte character), so
    the last line has fewer fields than the header and no line break. Row faults planned on the lost part vanish.
    """
    ends = [i for i, b in enumerate(raw) if b == 0x0A]  # line ends (CRLF: the \n)
    kept = 1 + (len(ends) - 1) // 2  # header + half the records
    start = ends[kept - 1] + 1
    line = raw[start : ends[kept]]
    commas = [i for i, b in enumerate(line) if b == 0x2C]
    cut_line = kept + 1
    cut = raw[: start + commas[len(commas) // 2] + 1]
    # a duplicate's copy is the line after the one the manifest names
    survivors = [f for f in faults if f["line"] + (f["kind"] == "duplicate_row") < cut_line]
    detail = f"cut mid-line after {kept - 1} of {len(ends) - 1} records"
    return cut, [*survivors, {"kind": "cut_last_line", "line": cut_line, "column": None, "detail": detail}]


def _csv_lines(df: pl.DataFrame) -> list[str]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(df.columns)
    for row in df.iter_rows():
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().splitlines(keepends=True)


def _drop_nulls(r: dict) -> dict:
    return {k: v for k, v in r.items() if v is not None}


__all__ = ["generate"]
_ = datetime
