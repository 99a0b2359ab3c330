"""Archived deliveries: a `.zip`, `.rar` or `.7z` in an extract date's folder holds files of that date.

A platform's export or a person's upload often comes as one archive (`2025-12-31/导出数据.zip`). Its members are
unpacked into a scratch folder and loaded one by one like any delivered file; the ledger names each by the
archive and its place in it (`2025-12-31/导出数据.zip/payroll_1231.csv`), and records the archive itself last
(status `unpacked`), so an archive whose bytes the ledger holds for its date is not unpacked again.

Member names: a zip written on Chinese Windows stores them in GBK without saying so (the UTF-8 flag unset), and
Python reads such names as CP437; they are decoded as UTF-8 when they are, else as GB18030. A member's path is kept
only as far as it is safe: no absolute path, no `..`, no hidden part (`.DS_Store`, a Mac's `__MACOSX/` resources),
no office lock file. A zip inside the archive is unpacked in turn (load.load_archive), to MAX_DEPTH archives deep;
one deeper is refused with why (压缩包嵌套超过3层).

A `.rar` (WinRAR is what many Chinese offices pack with) or a `.7z` is read by libarchive (the `libarchive-c`
binding; the library is Debian's libarchive13, `make system-deps`), its members' names as the archive stores them
(Unicode), kept and refused as a zip's are. Without the library such an archive is refused, saying what to install.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

# an archive claiming more than this when unpacked is refused before anything is written (a zip bomb, or a
# delivery far beyond any tier: the province tier's whole inbox is ~4.4 GB)
MAX_UNPACKED_BYTES = 20 * 2**30
# how many archives deep a delivery's files may be: a date's folders zipped one by one and then together is 2
MAX_DEPTH = 3
_UTF8_NAME_FLAG = 0x800


class ArchiveError(ValueError):
    """An archive that cannot be unpacked; the message (Chinese) is the ledger's reason."""


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it: UTF-8 when flagged, else the CP437 reading undone and the bytes
    decoded as UTF-8, or GB18030 (what Chinese Windows writes), or left as Python read them."""
    if info.flag_bits & _UTF8_NAME_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def safe_parts(name: str) -> tuple[str, ...] | None:
    """The member's path as folder names under the archive, or None when it is no data file to load: a folder, a
    hidden file or one under a hidden folder (`__MACOSX/`, `.DS_Store`), an office lock file (`~$…`), a path that
    climbs out (`..`)."""
    path = PurePosixPath(name.replace("\\", "/"))
    parts = tuple(p for p in path.parts if p not in ("/", ""))
    if not parts or name.endswith(("/", "\\")):
        return None
    if any(p == ".." or p.startswith(".") or p == "__MACOSX" for p in parts) or parts[-1].startswith("~$"):
        return None
    return parts


def unpack(raw: bytes, into: Path, suffix: str = ".zip") -> list[Path]:
    """Every data member of the archive (its bytes `raw`, its kind by `suffix`) written under `into` (its folders
    kept), in the archive's order; raises ArchiveError (reason in Chinese) for an archive that is damaged, is
    encrypted, is too large, or cannot be read here."""
    if suffix in (".rar", ".7z"):
        return _unpack_libarchive(raw, into, suffix)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise ArchiveError(f"压缩包解压后超过 {MAX_UNPACKED_BYTES // 2**30} GB，未解压")
            written: list[Path] = []
            for info in infos:
                parts = safe_parts(member_name(info))
                if parts is None or info.is_dir():
                    continue
                if info.flag_bits & 0x1:
                    raise ArchiveError("压缩包有密码，无法解压")
                written.append(_written(into, parts, archive.read(info)))
            return written
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"压缩包损坏或不是 zip 文件（{exc}）") from None
    except (NotImplementedError, RuntimeError, EOFError, OSError) as exc:
        raise ArchiveError(f"压缩包无法解压（{type(exc).__name__}: {str(exc)[:120]}）") from None


def _written(into: Path, parts: tuple[str, ...], data: bytes) -> Path:
    target = into.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def _unpack_libarchive(raw: bytes, into: Path, suffix: str) -> list[Path]:
    """A .rar or .7z archive's data members, as `unpack` writes a zip's; the unpacked size is counted as it is
    written (these formats' headers are read one member at a time)."""
    try:
        import libarchive
    except (ImportError, OSError):  # the binding finds no libarchive library on this machine
        raise ArchiveError(
            f"无法解压 {suffix} 压缩包：本机未安装 libarchive（Debian：apt-get install libarchive13，或 make system-deps）"
        ) from None
    written: list[Path] = []
    total = 0
    try:
        with libarchive.memory_reader(raw) as archive:
            for entry in archive:
                parts = safe_parts(entry.pathname or "")
                if parts is None or not entry.isfile:
                    continue
                blocks = []
                # counted as it is read: a member may claim nothing of its size
                for block in entry.get_blocks():
                    total += len(block)
                    if total > MAX_UNPACKED_BYTES:
                        raise ArchiveError(f"压缩包解压后超过 {MAX_UNPACKED_BYTES // 2**30} GB，未解压")
                    blocks.append(block)
                written.append(_written(into, parts, b"".join(blocks)))
    except libarchive.exception.ArchiveError as exc:
        text = str(exc)
        if "ncrypt" in text or "assphrase" in text:
            raise ArchiveError("压缩包有密码，无法解压") from None
        raise ArchiveError(f"压缩包损坏或无法解压（{text[:120]}）") from None
    return written
