"""A file whose name does not start with an entity is read as the entity its Chinese name or its header gives
(pipelines/ingest/recognise.py); before, each was refused whole as unknown_entity, every row lost."""

from __future__ import annotations

import pytest
import xlsxwriter

from pipelines.ingest import load_file
from pipelines.quality import load_findings
from pipelines.quality.findings import severity_of
from pipelines.settings import Settings
from tests.ingest.conftest import fresh_warehouse
from tests.ingest.test_office_exports import HEADER, NIGHT, PAY_LINES, STORED, _canonical_csv, _payroll_csv


def _loaded(folder, name):
    con = fresh_warehouse()
    result = load_file(con, folder / name, NIGHT, Settings(), inbox=folder)
    stored = con.execute(f"select {STORED} from raw_payroll order by id_card_number_hash").fetchall()
    return con, result, stored


def _canonical(tmp_path):
    folder = tmp_path / "canonical"
    folder.mkdir()
    _canonical_csv(folder)
    con, _, stored = _loaded(folder, "payroll_1231.csv")
    con.close()
    return stored


def test_a_file_named_with_its_entitys_chinese_name(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    _payroll_csv(folder, HEADER, PAY_LINES, name="工资发放明细_1231.csv")
    _, result, stored = _loaded(folder, "工资发放明细_1231.csv")
    assert (result.status, result.entity, result.rows_loaded, result.reason) == ("loaded", "payroll", 3, None)
    assert stored == _canonical(tmp_path)


def test_a_workbook_named_as_people_name_it_is_read_by_its_header(tmp_path):
    """11月工资表.xlsx, a title above the header: its header names all of the payroll's key columns and more of
    the payroll's columns than of the roster's (whose key it names too)."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    book = xlsxwriter.Workbook(folder / "11月工资表.xlsx")
    sheet = book.add_worksheet("工资表")
    sheet.write_row(0, 0, ["某项目2025年11月农民工工资发放表"])
    sheet.write_row(
        1, 0, ["项目编码", "工资月份", "身份证号", "出勤天数", "应发工资", "实发工资", "是否补发", "发放日期"]
    )
    for row, line in enumerate(PAY_LINES, start=2):
        sheet.write_row(row, 0, line.split(","))
    book.close()
    con, result, stored = _loaded(folder, "11月工资表.xlsx")
    assert (result.status, result.entity, result.rows_loaded) == ("loaded", "payroll", 3)
    assert stored == _canonical(tmp_path)
    # the bulletin says which file was read as what
    found = [f for f in load_findings(con, NIGHT, Settings()) if f["check_id"] == "file_entity_from_header"]
    assert [(f["entity"], f["detail_zh"]) for f in found] == [
        ("payroll", "11月工资表.xlsx：文件名未标明数据实体，按表头识别为工资发放明细（payroll）")
    ]
    assert (
        severity_of("file_entity_from_header", Settings()) == "warning"
    )  # loaded: nothing lost, nothing blocked


def test_a_file_whose_name_and_header_name_no_entity_is_refused_with_why(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "说明.csv").write_text("序号,事项\n1,本月工资已核对\n", encoding="utf-8")
    con, result, stored = _loaded(folder, "说明.csv")
    assert (result.status, result.entity, stored) == ("unknown_entity", None, [])
    assert result.reason == "文件名不以任何已知数据实体开头，表头也未包含任何数据实体的全部主键字段，未加载"
    found = [f for f in load_findings(con, NIGHT, Settings()) if f["check_id"] == "file_unknown_entity"]
    assert len(found) == 1


@pytest.mark.parametrize("name", ["导出数据_1.xlsx", "导出数据_1.csv"])
def test_a_file_read_for_its_entity_is_not_read_again_to_load(tmp_path, monkeypatch, name):
    """Before, a file named otherwise was read twice: once for its header's entity, once to load it."""
    from pipelines.ingest import load, readers, recognise

    reads: list[str] = []

    def counted(reader):
        def read(path, *args, **kwargs):
            reads.append(path.name)
            return reader(path, *args, **kwargs)

        return read

    for module in (load, recognise):
        monkeypatch.setattr(module, "read_xlsx_sheets", counted(readers.read_xlsx_sheets))
        monkeypatch.setattr(module, "read_any", counted(readers.read_any))
    folder = tmp_path / "inbox"
    folder.mkdir()
    if name.endswith(".xlsx"):
        book = xlsxwriter.Workbook(folder / name)
        sheet = book.add_worksheet("工资表")
        sheet.write_row(0, 0, HEADER)
        for row, line in enumerate(PAY_LINES, start=1):
            sheet.write_row(row, 0, line.split(","))
        book.close()
    else:
        _payroll_csv(folder, HEADER, PAY_LINES, name=name)
    con, result, stored = _loaded(folder, name)
    con.close()
    assert (result.status, result.entity, result.rows_loaded) == ("loaded", "payroll", 3)
    assert stored == _canonical(tmp_path)
    assert reads.count(name) == 1
