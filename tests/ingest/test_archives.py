"""A zipped delivery loads as its files would loose: every data member is that date's file, named in the ledger by
the archive and its place in it; the archive is not unpacked twice; a damaged archive is refused with why and the
date's other files still load."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import date

import pytest

from pipelines.identifiers import id_check_char
from pipelines.ingest import load_inbox
from pipelines.ingest.archives import member_name, safe_parts
from pipelines.night_steps import resolve_as_of
from pipelines.settings import Settings
from tests.ingest.conftest import fresh_warehouse

NIGHT = date(2025, 12, 31)
STORED = "project_code, pay_month, id_card_number_hash, days, total_pay_amount, actual_amount, balance_date"


def an_id(n: int) -> str:
    body = f"35050319900101{n:03d}"
    return body + id_check_char(body)


def payroll_csv(first: int, n: int) -> bytes:
    lines = [
        "project_code,pay_month,id_card_number,days,total_pay_amount,actual_amount,is_back_pay,balance_date"
    ]
    lines += [f"P1,2025-11,{an_id(i)},20,6000.0,6000.0,0,2025-12-16" for i in range(first, first + n)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def complaint_csv() -> bytes:
    header = "case_id,project_code,received_date,amount_claimed,workers_involved,status"
    return f"{header}\nC1,P1,2025-12-20,10000.0,3,01\n".encode()


def windows_zip(members: dict[str, bytes]) -> bytes:
    """A zip as Chinese Windows writes it: member names in GBK without the UTF-8 flag. zipfile flags any non-ASCII
    name as UTF-8, so each name is written as ASCII of the same byte length and its GBK bytes put in after."""
    buffer = io.BytesIO()
    placeholders = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, data) in enumerate(members.items()):
            gbk = name.encode("gb18030")
            stand_in = f"{i:02d}".encode() + b"#" * (len(gbk) - 2)
            placeholders[stand_in] = gbk
            archive.writestr(stand_in.decode("ascii"), data)
    raw = buffer.getvalue()
    for stand_in, gbk in placeholders.items():
        raw = raw.replace(stand_in, gbk)
    return raw


def ledger(con) -> list[tuple]:
    return con.execute(
        "select path, entity, status, rows_read, rows_loaded from load_file order by file_id"
    ).fetchall()


def test_a_zipped_delivery_loads_as_its_files_would_loose(tmp_path):
    members = {
        "工资发放/payroll_1231.csv": payroll_csv(1, 3),
        "complaint_1231.csv": complaint_csv(),
        "__MACOSX/工资发放/._payroll_1231.csv": b"\x00\x05\x16\x07",  # a Mac's resource fork: not data
        "说明/~$payroll.xlsx": b"lock",  # an office lock file: not data
    }
    zipped, loose = tmp_path / "zipped", tmp_path / "loose"
    (zipped / "2025-12-31").mkdir(parents=True)
    (zipped / "2025-12-31" / "导出数据.zip").write_bytes(windows_zip(members))
    (loose / "2025-12-31").mkdir(parents=True)
    (loose / "2025-12-31" / "payroll_1231.csv").write_bytes(members["工资发放/payroll_1231.csv"])
    (loose / "2025-12-31" / "complaint_1231.csv").write_bytes(members["complaint_1231.csv"])

    con, plain = fresh_warehouse(), fresh_warehouse()
    report = load_inbox(con, zipped, Settings())
    load_inbox(plain, loose, Settings())
    assert ledger(con) == [
        ("2025-12-31/导出数据.zip/工资发放/payroll_1231.csv", "payroll", "loaded", 3, 3),
        ("2025-12-31/导出数据.zip/complaint_1231.csv", "complaint", "loaded", 1, 1),
        ("2025-12-31/导出数据.zip", None, "unpacked", 0, 0),
    ]
    assert report.summary_dict()["files"] == {"loaded": 2, "unpacked": 1}
    for table, columns in (
        ("raw_payroll", STORED),
        ("raw_complaint", "case_id, amount_claimed, workers_involved"),
    ):
        query = f"select {columns} from {table} order by all"
        assert con.execute(query).fetchall() == plain.execute(query).fetchall()
    assert [r.path for r in report.read] == [
        zipped / "2025-12-31" / "导出数据.zip"
    ]  # no scratch path remembered

    again = load_inbox(con, zipped, Settings())  # the archive's bytes are in the ledger: not unpacked again
    assert again.files == []
    assert len(ledger(con)) == 3


@pytest.mark.parametrize("suffix", [".zip", ".rar"])
def test_a_damaged_archive_is_refused_with_why_and_the_dates_other_files_load(tmp_path, suffix):
    day = tmp_path / "2025-12-31"
    day.mkdir()
    if suffix == ".zip":
        whole = windows_zip({"payroll_1231.csv": payroll_csv(1, 3)})
        cut, why = whole[: len(whole) // 2], "压缩包损坏或不是 zip 文件"  # cut off in the transfer
    else:
        whole = rar4_stored({"payroll_1231.csv": payroll_csv(1, 3)})
        cut, why = whole[:40], "压缩包损坏或无法解压"  # cut off inside the first member's header
    (day / f"export{suffix}").write_bytes(cut)
    (day / "complaint_1231.csv").write_bytes(complaint_csv())
    con = fresh_warehouse()
    load_inbox(con, tmp_path, Settings())
    rows = con.execute("select path, status, reason from load_file order by path").fetchall()
    assert [(p, s) for p, s, _ in rows] == [
        ("2025-12-31/complaint_1231.csv", "loaded"),
        (f"2025-12-31/export{suffix}", "failed"),
    ]
    assert rows[1][2].startswith(why)
    assert con.execute("select count(*) from raw_payroll").fetchone() == (0,)


def test_member_names_as_windows_and_other_writers_store_them():
    info = zipfile.ZipInfo("工资.csv".encode("gb18030").decode("cp437"))  # GBK bytes read as CP437
    assert member_name(info) == "工资.csv"
    info = zipfile.ZipInfo("工资.csv".encode().decode("cp437"))  # UTF-8 bytes without the flag
    assert member_name(info) == "工资.csv"
    assert safe_parts("../../etc/payroll_1231.csv") is None
    assert safe_parts("/abs/payroll_1231.csv") == ("abs", "payroll_1231.csv")
    assert safe_parts("a\\b\\payroll_1231.csv") == ("a", "b", "payroll_1231.csv")
    assert safe_parts("folder/") is None
    assert safe_parts(".hidden/payroll_1231.csv") is None


def test_a_dates_whole_extract_as_one_zip_beside_the_folders(tmp_path):
    """A platform that sends each night's extract as `inbox/2025-12-31.zip` (the date's folder zipped): its files
    are that date's, the night's as-of is that date, and an earlier as-of leaves the archive alone."""
    (tmp_path / "2025-11-30").mkdir()
    (tmp_path / "2025-11-30" / "complaint_1130.csv").write_bytes(complaint_csv())
    (tmp_path / "2025-12-31.zip").write_bytes(windows_zip({"2025-12-31/payroll_1231.csv": payroll_csv(1, 3)}))
    (tmp_path / "2025-02-30.zip").write_bytes(b"not a day")  # named for no real day: left out, said so
    assert resolve_as_of(tmp_path, None) == date(2025, 12, 31)

    con = fresh_warehouse()
    load_inbox(con, tmp_path, Settings(), up_to=date(2025, 11, 30))
    assert [r[0] for r in ledger(con)] == ["2025-11-30/complaint_1130.csv"]
    load_inbox(con, tmp_path, Settings())
    assert ledger(con)[1:] == [
        ("2025-12-31.zip/2025-12-31/payroll_1231.csv", "payroll", "loaded", 3, 3),
        ("2025-12-31.zip", None, "unpacked", 0, 0),
    ]
    dates = con.execute("select distinct _extract_date from raw_payroll").fetchall()
    assert dates == [(date(2025, 12, 31),)]


def test_a_zip_inside_the_zip_is_unpacked_too(tmp_path):
    """An office zips each project's folder, then the lot: the inner zips' files are that date's (before: each inner
    zip was refused as a file of no entity, its rows lost). Three deep is the limit: a fourth is not opened."""
    inner = windows_zip({"payroll_1231.csv": payroll_csv(1, 2)})
    deeper = windows_zip(
        {"第二层.zip": windows_zip({"第三层.zip": windows_zip({"payroll_x.csv": payroll_csv(5, 1)})})}
    )
    outer = windows_zip({"项目一.zip": inner, "complaint_1231.csv": complaint_csv(), "深.zip": deeper})
    day = tmp_path / "2025-12-31"
    day.mkdir()
    (day / "导出数据.zip").write_bytes(outer)
    con = fresh_warehouse()
    load_inbox(con, tmp_path, Settings())
    assert ledger(con) == [
        ("2025-12-31/导出数据.zip/项目一.zip/payroll_1231.csv", "payroll", "loaded", 2, 2),
        ("2025-12-31/导出数据.zip/项目一.zip", None, "unpacked", 0, 0),
        ("2025-12-31/导出数据.zip/complaint_1231.csv", "complaint", "loaded", 1, 1),
        ("2025-12-31/导出数据.zip/深.zip/第二层.zip/第三层.zip", None, "failed", 0, 0),
        ("2025-12-31/导出数据.zip/深.zip/第二层.zip", None, "unpacked", 0, 0),
        ("2025-12-31/导出数据.zip/深.zip", None, "unpacked", 0, 0),
        ("2025-12-31/导出数据.zip", None, "unpacked", 0, 0),
    ]
    assert con.execute("select count(*) from raw_payroll").fetchone() == (2,)
    assert con.execute("select reason from load_file where status = 'failed'").fetchall() == [
        ("压缩包嵌套超过3层，未解压",)
    ]


def rar4_stored(members: dict[str, bytes]) -> bytes:
    """A RAR 4 archive as WinRAR writes one with "store" (no compression): the marker, the archive header, a file
    header and the bytes per member, the end block; each header's CRC the low 16 bits of its CRC-32. No RAR writer
    is free to ship, and a stored archive is what the format's readers must read first."""

    def block(kind: int, flags: int, body: bytes, data: bytes = b"") -> bytes:
        head = struct.pack("<BHH", kind, flags, 7 + len(body)) + body
        return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head + data

    out = b"Rar!\x1a\x07\x00" + block(0x73, 0, bytes(6))
    for name, data in members.items():
        encoded = name.encode("ascii")  # RAR 4 stores a non-ASCII name in its own Unicode scheme: ASCII here
        # packed and unpacked size, host OS (Windows), CRC-32, DOS time, version 2.0, method store, name size, attributes
        body = struct.pack(
            "<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), 0x5B860000, 20, 0x30, len(encoded), 0x20
        )
        out += block(0x74, 0x8000, body + encoded, data)
    return out + block(0x7B, 0x4000, b"")


def seven_zip(members: dict[str, bytes], folder) -> bytes:
    """A 7z archive (LZMA) written by libarchive, member names in Chinese."""
    import libarchive

    target = folder / "written.7z"
    with libarchive.file_writer(str(target), "7zip") as archive:
        for name, data in members.items():
            archive.add_file_from_memory(name, len(data), data)
    return target.read_bytes()


@pytest.mark.parametrize("suffix", [".rar", ".7z"])
def test_a_rar_or_7z_delivery_loads_as_its_files_would_loose(tmp_path, suffix):
    """WinRAR is what many offices pack with. Before, 导出数据.rar or .7z was read as a data file and refused (文件
    无法解析): every row in it lost."""
    if suffix == ".rar":
        members = {"payroll/payroll_1231.csv": payroll_csv(1, 3), "complaint_1231.csv": complaint_csv()}
        packed = rar4_stored(members)
    else:
        members = {"工资发放/payroll_1231.csv": payroll_csv(1, 3), "complaint_1231.csv": complaint_csv()}
        packed = seven_zip(members, tmp_path)
    packed_in, loose = tmp_path / "packed", tmp_path / "loose"
    for folder in (packed_in, loose):
        (folder / "2025-12-31").mkdir(parents=True)
    (packed_in / "2025-12-31" / f"导出数据{suffix}").write_bytes(packed)
    for name, data in members.items():
        (loose / "2025-12-31" / name.split("/")[-1]).write_bytes(data)
    con, plain = fresh_warehouse(), fresh_warehouse()
    report = load_inbox(con, packed_in, Settings())
    load_inbox(plain, loose, Settings())
    first = next(iter(members))
    assert ledger(con) == [
        (f"2025-12-31/导出数据{suffix}/{first}", "payroll", "loaded", 3, 3),
        (f"2025-12-31/导出数据{suffix}/complaint_1231.csv", "complaint", "loaded", 1, 1),
        (f"2025-12-31/导出数据{suffix}", None, "unpacked", 0, 0),
    ]
    assert report.summary_dict()["files"] == {"loaded": 2, "unpacked": 1}
    query = f"select {STORED} from raw_payroll order by all"
    assert con.execute(query).fetchall() == plain.execute(query).fetchall()
    assert load_inbox(con, packed_in, Settings()).files == []  # not unpacked again


def test_a_7z_larger_unpacked_than_the_limit_is_refused_as_it_is_read(tmp_path, monkeypatch):
    """A .7z gives its members' sizes one at a time: the unpacked bytes are counted as they are read, and the archive
    is refused at the limit, its members not loaded."""
    from pipelines.ingest import archives

    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 100)
    day = tmp_path / "2025-12-31"
    day.mkdir()
    (day / "导出数据.7z").write_bytes(seven_zip({"payroll_1231.csv": payroll_csv(1, 3)}, tmp_path))
    con = fresh_warehouse()
    load_inbox(con, tmp_path, Settings())
    assert con.execute("select path, status from load_file").fetchall() == [
        ("2025-12-31/导出数据.7z", "failed")
    ]
    assert con.execute("select count(*) from raw_payroll").fetchone() == (0,)
