"""Is a text delivery's last record cut off? Looked at from the file's bytes, beside the readers.

A transfer that stops early leaves a CSV or JSONL file without its final line break and with a last record that is
not whole: fewer (or more) fields than the header, a quoted field that is never closed, or a JSON line that does not
parse. The readers then quarantine that one line (or silently keep a shortened last value), and the rest of the file
loads; this check names the file so that a half delivery is not taken for a quiet day (docs/decisions.md).

A file that merely lacks the final line break but whose last record is whole is accepted: many exporters omit it.
Only ASCII bytes are inspected (line breaks, separators, quotes), which never occur inside a multi-byte character of
UTF-8 or GBK/GB18030, so no decoding is needed (a UTF-16 file is decoded first).
"""

from __future__ import annotations

import csv
import json

from pipelines.ingest.readers import UTF16_BOMS, delimiter_of


def cut_last_line(raw: bytes, fmt: str | None) -> str | None:
    """Why the file's last record looks cut off (plain words, for the ledger), or None when it looks whole."""
    if fmt not in ("csv", "jsonl") or not raw:
        return None
    if raw.startswith(UTF16_BOMS):  # UTF-16 (Excel's "Unicode text"): its characters, in UTF-8
        raw = raw.decode("utf-16", errors="replace").encode("utf-8")
    if raw.endswith((b"\n", b"\r")):
        return None
    start = raw.rfind(b"\n") + 1
    last = raw[start:]
    if not last.strip():
        return None
    line_no = raw.count(b"\n") + 1
    if fmt == "jsonl":
        try:
            json.loads(last.decode("utf-8", errors="replace"))
        except json.JSONDecodeError:
            return f"文件末尾缺少换行符，最后一行（第{line_no}行）不是完整的JSON记录，文件可能在传输中被截断"
        return None
    if raw.count(b'"') % 2:
        return f"文件末尾缺少换行符，最后一行（第{line_no}行）有未闭合的引号，文件可能在传输中被截断"
    if start == 0:
        return None  # a header alone: nothing was cut from the records
    header = raw[: raw.find(b"\n")].rstrip(b"\r").removeprefix(b"\xef\xbb\xbf")
    sep = delimiter_of([header.decode("latin-1")])
    n_header = _n_fields(header, sep)
    n_last = _n_fields(last, sep)
    if n_last != n_header:
        return (
            f"文件末尾缺少换行符，最后一行（第{line_no}行）字段数为{n_last}，表头为{n_header}，"
            "文件可能在传输中被截断"
        )
    return None


def _n_fields(line: bytes, sep: str) -> int:
    return len(next(csv.reader([line.decode("latin-1")], delimiter=sep), []))
