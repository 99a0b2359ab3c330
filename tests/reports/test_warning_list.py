"""Inspectors' workbooks and CSV: files, sheets, headers, order, fills, panes, masking, changes, empty lists."""

from __future__ import annotations

import io
import re
from concurrent.futures import Executor, Future
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines.reports import labels_zh
from pipelines.reports.warning_list import ListInputs, second_process, write_warning_lists
from pipelines.warnings.schema import RESOLVED_SCHEMA, WARNING_SCHEMA, WORKER_SCHEMA
from tests.reports import given_reports as given

# triage.md: the line, its honest evidence, then the blank columns inspectors return
LIST_HEADER = [
    "区内排名", "预警编号", "风险等级", "欠薪概率", "项目编码", "项目名称", "所在区县", "总承包单位", "建设单位",
    "当前欠发工资（万元）", "欠薪人数", "逾期补发（迟发非欠发）", "等级依据", "触发规则及证据", "主要风险因素", "变化",
    "预警日期", "超期未核查", "建议核查事项",
    "核查日期", "核查结论", "欠薪金额（元）", "涉及人数", "处置措施", "销号日期", "核查单位", "备注",
]  # fmt: skip
SHEETS = ["核查清单", "整改跟踪", "欠薪线索", "整改清单", "涉及工人", "数据质量提示", "变化情况"]
FILL = {"红色": "FFC7CE", "橙色": "FCE4D6", "黄色": "FFF2CC"}
CLEAR_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
CLEAR_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def book(paths: list[Path], part: str) -> openpyxl.Workbook:
    (path,) = [p for p in paths if part in p.name and p.suffix == ".xlsx"]
    return openpyxl.load_workbook(path)


def records(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]


def test_one_workbook_per_district_one_for_the_city_and_the_csv(lists):
    names = sorted(p.name for p in lists)
    assert all(p.exists() for p in lists)
    assert "欠薪预警清单_全市_泉州市_2025-07-31.xlsx" in names
    assert "欠薪预警清单_全市_泉州市_2025-07-31.csv" in names
    # every 泉州 district gets its list (empty ones say so), and a code missing from areas.csv is not dropped
    quanzhou = given.areas().filter(pl.col("city_zh") == "泉州市")
    for code, name in quanzhou.select("code", "name_zh").iter_rows():
        assert f"欠薪预警清单_{code}_{name}_2025-07-31.xlsx" in names
    assert "欠薪预警清单_350999_2025-07-31.xlsx" in names
    assert len(names) == 1 + quanzhou.height + 1 + 1


def test_sheets_headers_panes_filters_and_widths(lists):
    wb = book(lists, "全市")
    assert wb.sheetnames == SHEETS
    ws = wb["核查清单"]
    assert [c.value for c in ws[1]] == LIST_HEADER
    assert [c.value for c in wb["涉及工人"][1]][3:7] == [
        "身份证号（脱敏）",
        "姓名（脱敏）",
        "工资月份",
        "欠发金额（元）",
    ]
    for sheet in wb.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert (sheet.auto_filter.ref or "").startswith("A1:"), sheet.title
    assert ws.auto_filter.ref == f"A1:AA{ws.max_row}"
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    # names, evidence and checks are readable
    assert widths["F"] > 20
    assert widths["N"] > 40
    assert widths["S"] > 30


def test_lines_run_red_then_orange_then_yellow_and_by_score_within(lists):
    rows = records(book(lists, "全市")["核查清单"])
    assert len(rows) == given.lines().height
    rank = {"红色": 0, "橙色": 1, "黄色": 2}
    keys = [(rank[r["风险等级"]], -r["欠薪概率"]) for r in rows]
    assert keys == sorted(keys)
    assert [r["风险等级"] for r in rows][:4] == ["红色"] * 4
    assert [r["欠薪概率"] for r in rows[:4]] == [0.97, 0.91, 0.83, 0.74]


def test_rows_are_filled_by_level(lists):
    ws = book(lists, "全市")["核查清单"]
    for row in ws.iter_rows(min_row=2):
        expected = FILL[row[2].value]
        assert {c.fill.fgColor.rgb[-6:] for c in row} == {expected}, row[4].value
        assert row[2].fill.fill_type == "solid"


def test_line_values_read_in_chinese(lists):
    rows = {r["项目编码"]: r for r in records(book(lists, "全市")["核查清单"])}
    escalated = rows["3505032024000001"]
    assert escalated["所在区县"] == "丰泽区"
    assert escalated["触发规则及证据"].startswith("R03 工资未按期发放：")
    assert escalated["变化"] == "升级"
    assert escalated["主要风险因素"] == "专户人工费拨付减少、考勤人数下降"
    assert rows["3505822024000002"]["变化"] == "新增"
    assert rows["3505822024000004"]["变化"] == "降级"
    assert rows["3505022024000008"]["变化"] == "持续"
    assert rows["3509992024000013"]["所在区县"] == "350999"  # not in areas.csv: the code, never dropped
    assert rows["3505032024000014"]["触发规则及证据"].startswith("=HYPERLINK")  # text, not a formula
    assert all(escalated[h] is None for h in labels_zh.RETURN_COLUMNS.values())  # blank for the inspector
    assert set(labels_zh.RULE) == {f"R{i:02d}" for i in range(1, 18)}


def test_a_district_book_holds_its_lines_workers_and_findings_only(lists):
    wb = book(lists, "350503_丰泽区")
    lines = records(wb["核查清单"])
    assert [r["所在区县"] for r in lines] == ["丰泽区"] * 5
    workers = records(wb["涉及工人"])
    # the three workers owed on the R05 project, largest amount first; a project not on the list is left out
    assert [w["欠发金额（元）"] for w in workers] == [7400.0, 6200.0, 5800.0]
    # one row per worker-month: the leaver owed for May names both rules on it
    assert [w["触发规则"] for w in workers] == ["R05 工资未足额发放"] * 2 + [
        "R05 工资未足额发放、R16 离场工人工资未结清"
    ]
    assert {w["计入当前欠发"] for w in workers} == {"是"}
    findings = records(wb["数据质量提示"])
    # its own finding and the city-wide blocking one (first); not other districts', not the closed one
    assert [(f["级别"], f["问题"], f["范围"]) for f in findings] == [
        ("阻断", "文件无法读取", "全市"),
        ("提示", "考勤人员不在花名册", "丰泽区"),
    ]


def test_the_workers_sheet_names_months_no_rule_has_judged_yet_and_what_the_line_counts(lists):
    workers = records(book(lists, "350582_晋江市")["涉及工人"])
    assert [(w["触发规则"], w["工资月份"], w["欠发金额（元）"], w["计入当前欠发"]) for w in workers] == [
        ("R16 离场工人工资未结清", "2025-04", 3150.5, "是"),
        ("R16 离场工人工资未结清", "2025-05", 9800.0, "否（离场结清，未到发放期限）"),
        # after the rules' rows: owed past its deadline, R05's make-good days not over
        ("已过发放期限，补发期内", "2025-05", 2100.0, "是"),
    ]


def test_changes_since_the_last_list(lists):
    changes = records(book(lists, "全市")["变化情况"])
    assert [(c["变化"], c["项目编码"], c["上期等级"], c["本期等级"]) for c in changes] == [
        ("新增", "3505822024000002", "—", "红色"),
        ("新增", "3505022024000007", "—", "橙色"),
        ("新增", "3505822024000010", "—", "橙色"),
        ("升级", "3505032024000001", "橙色", "红色"),
        ("降级", "3505822024000004", "橙色", "黄色"),
        ("销号", "3505832024000021", "红色", "—"),
        ("销号", "3505022024000020", "橙色", "—"),
    ]
    assert [c["变化"] for c in records(book(lists, "350502_鲤城区")["变化情况"])] == ["新增", "销号"]


def test_no_clear_personal_data_in_any_workbook_or_the_csv(lists):
    texts = []
    for path in lists:
        if path.suffix == ".csv":
            texts.append(path.read_text(encoding="utf-8-sig"))
            continue
        wb = openpyxl.load_workbook(path)
        texts += [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    text = "\n".join(texts)
    assert not CLEAR_ID.search(text), CLEAR_ID.search(text)
    assert not CLEAR_PHONE.search(text), CLEAR_PHONE.search(text)
    for clear in (given.LEAKED_ID, given.LEAKED_NAME, given.LEAKED_PHONE, given.LEAKED_ID_IN_TEXT):
        assert clear not in text
    # the leaked values appear masked instead
    for masked in ("350503********123X", "王**", "139****5678", "350582********1518"):
        assert masked in text


def test_the_csv_is_sheet_one_for_machines_without_a_bom_and_codes_as_text(lists):
    (csv,) = [p for p in lists if p.suffix == ".csv"]
    assert not csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert '"3505032024000001"' in csv.read_text(encoding="utf-8")  # quoted: a reader keeps it text
    frame = pl.read_csv(csv, infer_schema=False)
    assert frame.columns == LIST_HEADER
    sheet = records(book(lists, "全市")["核查清单"])
    assert frame["项目编码"].to_list() == [r["项目编码"] for r in sheet]
    # a cell Excel would run as a formula is neutralised
    assert "'=HYPERLINK" in frame.filter(pl.col("项目编码") == "3505032024000014")["触发规则及证据"][0]


def test_an_empty_list_still_writes_every_sheet_with_its_header(tmp_path):
    paths = write_warning_lists(
        ListInputs(
            pl.DataFrame(schema=WARNING_SCHEMA),
            pl.DataFrame(schema=WORKER_SCHEMA),
            pl.DataFrame(),  # no findings table at all
            given.areas(),
            given.AS_OF,
            resolved=None,
        ),
        tmp_path,
    )
    assert [p.name for p in paths] == [
        "欠薪预警清单_全市_2025-07-31.xlsx",
        "欠薪预警清单_全市_2025-07-31.csv",
    ]
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == SHEETS
    ws = wb["核查清单"]
    assert [c.value for c in ws[1]] == LIST_HEADER
    assert ws["A2"].value == "本期无预警项目"
    assert ws.freeze_panes == "A2"
    assert [sheet["A2"].value for sheet in wb.worksheets] == [
        "本期无预警项目",
        "本期无整改跟踪中的预警",
        "本期无未列入核查清单的欠薪线索",
        "本期无需书面整改的事项",
        "本期预警项目无涉及欠薪工人明细",
        "本期无数据质量提示",
        "与上期清单相比无变化",
    ]
    assert all(sheet.max_row == 2 for sheet in wb.worksheets)
    assert not paths[1].read_bytes().startswith(b"\xef\xbb\xbf")
    assert pl.read_csv(paths[1]).columns == LIST_HEADER


def test_same_inputs_give_the_same_bytes(tmp_path):
    inputs = ListInputs(
        given.lines(), given.workers(), given.findings(), given.areas(), given.AS_OF, given.resolved()
    )
    first = write_warning_lists(inputs, tmp_path / "a")
    second = write_warning_lists(inputs, tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_the_city_book_written_by_a_second_process_gives_the_same_files(tmp_path):
    inputs = ListInputs(
        given.lines(), given.workers(), given.findings(), given.areas(), given.AS_OF, given.resolved()
    )
    alone = write_warning_lists(inputs, tmp_path / "a")
    with second_process() as pool:
        beside = write_warning_lists(inputs, tmp_path / "b", pool=pool)
    assert [p.name for p in beside] == [p.name for p in alone]  # the city's book first, as before
    assert [p.read_bytes() for p in beside] == [p.read_bytes() for p in alone]
    assert not [p.name for p in (tmp_path / "b").iterdir() if p.name.startswith(".")]  # no temporary left


class _InlineRecording(Executor):
    """Runs what is submitted at once, in this process, and keeps the arguments it was handed."""

    def __init__(self) -> None:
        self.args: list[object] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self.args += [*args, *kwargs.values()]
        done: Future = Future()
        done.set_result(fn(*args, **kwargs))
        return done


def test_no_frame_is_left_for_the_pool_to_pickle(tmp_path):
    """A process pool pickles what it is handed in its feeder thread, while this thread goes on building the
    districts' books; polars serialises a frame holding the GIL on its own thread pool, which this thread's masks
    (map_elements) occupy waiting for the GIL — a city night hung there for good. The inputs must reach the pool
    already pickled (bytes), and the city's book written from them must be the same."""
    inputs = ListInputs(
        given.lines(), given.workers(), given.findings(), given.areas(), given.AS_OF, given.resolved()
    )
    alone = write_warning_lists(inputs, tmp_path / "a")
    pool = _InlineRecording()
    beside = write_warning_lists(inputs, tmp_path / "b", pool=pool)
    assert pool.args
    assert all(isinstance(a, bytes | Path) for a in pool.args), [type(a).__name__ for a in pool.args]
    assert [p.read_bytes() for p in beside] == [p.read_bytes() for p in alone]


def test_rows_written_as_xml_at_once_give_the_bytes_of_writing_cell_by_cell(tmp_path, monkeypatch):
    """xlsx_rows writes the lists' data rows in one pass; xlsxwriter's own calls, cell by cell, give the same files
    (shared strings in the same order, styles numbered alike), also when one sheet must go cell by cell (a date
    column, a NaN) between sheets that do not; the owed cells' notes and the empty sheets' notes included."""
    from pipelines.reports import warning_list

    lines = given.lines().with_columns(
        owed_yuan=pl.when(pl.col("project_code") == "3505822024000002").then(72_242.0),
        unpaid_months=pl.when(pl.col("project_code") == "3505032024000001").then(pl.lit("2025-05")),
    )
    books = warning_list.build_books(
        lines, given.workers(), given.findings(), given.areas(), given.AS_OF, given.resolved()
    )
    city = books[None]
    odd = replace(
        city,
        tracking=city.lines.head(3).with_columns(pl.lit(given.AS_OF).alias("日期")),  # a date: cell by cell
        leads=city.lines.head(2).with_columns(pl.Series("得分", [float("nan"), 0.5])),  # a NaN: cell by cell
    )
    written, taken = [], []
    at_once = warning_list.fast_rows
    for fast in (True, False):
        monkeypatch.setattr(
            warning_list,
            "fast_rows",
            (lambda *a: taken.append((a[0].name, at_once(*a))) or taken[-1][1])
            if fast
            else (lambda *a: False),
        )
        folder = tmp_path / str(fast)
        written.append(
            [
                warning_list.write_workbook(
                    b, folder / f"{code}.xlsx", given.AS_OF, "排序依据：x"
                ).read_bytes()
                for code, b in [*books.items(), ("odd", odd)]
            ]
        )
    assert written[0] == written[1]
    # the odd book's sheets with rows (its 整改清单 has none): only the date's and the NaN's go cell by cell
    assert taken[-6:] == [("核查清单", True), ("整改跟踪", False), ("欠薪线索", False), ("涉及工人", True),
                          ("数据质量提示", True), ("变化情况", True)]  # fmt: skip
    wb = openpyxl.load_workbook(io.BytesIO(written[0][-1]))
    tracking = records(wb["整改跟踪"])
    serial = (given.AS_OF - date(1899, 12, 30)).days  # a date without a format: its serial number, as before
    assert [r["日期"] for r in tracking] == [serial] * 3
    assert [c.value for c in wb["核查清单"][1]] == LIST_HEADER


@pytest.mark.parametrize("missing", ["resolved", "findings columns"])
def test_optional_inputs_may_be_missing(tmp_path, missing):
    findings = given.findings().drop("last_seen") if missing == "findings columns" else given.findings()
    resolved = None if missing == "resolved" else pl.DataFrame(schema=RESOLVED_SCHEMA)
    paths = write_warning_lists(
        ListInputs(given.lines(), given.workers(), findings, given.areas(), given.AS_OF, resolved), tmp_path
    )
    changes = records(book(paths, "全市")["变化情况"])
    assert "销号" not in {c["变化"] for c in changes}


def test_the_inspection_sheet_names_the_ranking_in_use(tmp_path):
    note = "排序依据：本地历史训练模型"
    paths = write_warning_lists(
        ListInputs(
            given.lines(), given.workers(), given.findings(), given.areas(), given.AS_OF, ranking_zh=note
        ),
        tmp_path,
    )
    wb = book(paths, "全市")
    ws = wb["核查清单"]
    assert ws["A1"].comment is not None
    assert note in ws["A1"].comment.text
    assert note in ws.oddHeader.center.text
    assert wb["涉及工人"]["A1"].comment is None
    assert [c.value for c in ws[1]] == LIST_HEADER  # the note is not a column or a row


def lists_with_a_lead(lines: pl.DataFrame, code: str, out: Path, **lead_columns: pl.Expr) -> list[Path]:
    """The lists of `lines` with project `code` moved to the 欠薪线索 (its columns changed by `lead_columns`)."""
    lead = lines.filter(pl.col("project_code") == code).with_columns(
        list=pl.lit("lead"), rank=None, **lead_columns
    )
    inputs = ListInputs(
        lines.filter(pl.col("project_code") != code),
        given.workers(),
        given.findings(),
        given.areas(),
        given.AS_OF,
        leads=lead,
    )
    return write_warning_lists(inputs, out)


def test_the_owed_cell_says_no_payroll_when_no_amount_is_on_record_and_leads_have_their_sheet(tmp_path):
    lines = given.lines().with_columns(
        owed_yuan=pl.when(pl.col("project_code") == "3505032024000001")
        .then(0.0)
        .when(pl.col("project_code") == "3505822024000002")
        .then(72_242.0)
        .when(pl.col("project_code") == "3505822024000004")
        .then(240_400.0),
        workers_owed=pl.when(pl.col("project_code") == "3505032024000001").then(12).cast(pl.Int32),
        unpaid_months=pl.when(pl.col("project_code") == "3505032024000001")
        .then(pl.lit("2025-05"))
        .when(pl.col("project_code") == "3505822024000004")
        .then(pl.lit("2025-09")),
    )
    paths = lists_with_a_lead(
        lines,
        "3505032024000003",
        tmp_path,
        owed_yuan=pl.lit(0.0),
        workers_owed=pl.lit(7, dtype=pl.Int32),
        unpaid_months=pl.lit("2025-06"),
    )
    rows = {r["项目编码"]: r for r in records(book(paths, "全市")["核查清单"])}
    # a worked month without any pay line: the workers are owed, the amount is not on record — said, not 0
    assert rows["3505032024000001"]["当前欠发工资（万元）"] == "无工资单（2025-05），金额待核"
    assert rows["3505032024000001"]["欠薪人数"] == 12
    assert rows["3505822024000002"]["当前欠发工资（万元）"] == 7.2
    # an amount on record for some months, another worked month without pay lines: both said, the sum not implied
    assert rows["3505822024000004"]["当前欠发工资（万元）"] == "24.0万 + 无工资单（2025-09），金额待核"
    assert rows["3505032024000005"]["当前欠发工资（万元）"] is None  # nothing owed on record, no unpaid month
    (only,) = records(book(paths, "350503")["欠薪线索"])
    assert only["项目编码"] == "3505032024000003"
    assert only["当前欠发工资（万元）"] == "无工资单（2025-06），金额待核"
    assert only["欠薪人数"] == 7
    assert only["说明"].startswith("已发生欠薪，超出本期核查名额")
    assert records(book(paths, "350582")["欠薪线索"])[0]["项目编码"] == "本期无未列入核查清单的欠薪线索"


def test_a_leads_workers_are_on_the_sheet_after_the_inspection_lines(tmp_path):
    """欠薪线索 are wages owed now that the 核查清单 had no room for: the inspector who phones the contractor needs
    the workers as much as one who visits. They follow the 核查清单's workers, named by the sheet they are on."""
    lead_code = "3505822024000002"  # the R16 project of 晋江市: a lead tonight instead of a 核查清单 line
    paths = lists_with_a_lead(given.lines(), lead_code, tmp_path)
    city = records(book(paths, "全市")["涉及工人"])
    assert [(w["项目编码"], w["所在清单"]) for w in city] == [("3505032024000001", "核查清单")] * 3 + [
        (lead_code, "欠薪线索")
    ] * 3  # the project on neither sheet (…99999) is left out
    district = records(book(paths, "350582")["涉及工人"])
    assert [w["工资月份"] for w in district] == ["2025-04", "2025-05", "2025-05"]
    assert {w["所在清单"] for w in district} == {"欠薪线索"}
