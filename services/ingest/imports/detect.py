"""What an uploaded file is, told from its bytes (never its name): XLSX, NDJSON or CSV, and the text's
encoding; and whether it is plainly unusable (empty, encrypted, damaged, a zip bomb), which is refused at
upload with its own code.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from charset_normalizer import from_bytes

Format = Literal["csv", "ndjson", "xlsx"]

_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_OLE = bytes.fromhex("D0CF11E0A1B11AE1")
# An encrypted OOXML file is an OLE container holding these streams (MS-OFFCRYPTO); a legacy .xls holds
# "Workbook". Directory entries are UTF-16LE names.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_OLE_SCAN_BYTES = 8 * 1024 * 1024
_SAMPLE_BYTES = 64 * 1024
_PROBE_BYTES = 16 * 1024
_PROBES = 3
# What charset-normalizer may answer: the encodings the issue names. GB2312 and GBK are subsets of
# GB18030, so GB18030 decodes whichever of them a file is in.
_CANDIDATES = ["utf_8", "gb18030"]
_XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
_MAX_ZIP_ENTRIES = 10_000
_BOMB_MIN_MEMBER_BYTES = 10 * 1024 * 1024
"""Small members compress far (an empty sheet's styles): the ratio is checked above this size only."""


class ImportRefused(Exception):
    """The file cannot be imported: answered 400 at upload, or as the failed job's ``error``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ZipLimits:
    max_unzipped_bytes: int
    max_ratio: float


@dataclass(frozen=True)
class Detected:
    format: Format
    encoding: str | None = None
    """The text's codec (``utf-8-sig``, ``utf-8``, ``gb18030``, ``utf-16``); None for XLSX."""


def detect(path: Path, limits: ZipLimits) -> Detected:
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused("EMPTY_FILE", "文件为空（0 字节）")
    with path.open("rb") as file:
        head = file.read(_SAMPLE_BYTES)
    if head.startswith(_ZIP):
        check_zip(path, limits)
        return Detected("xlsx")
    if head.startswith(_EMPTY_ZIP):
        raise ImportRefused("XLSX_UNREADABLE", "文件是空的压缩包，不是 Excel 工作簿")
    if head.startswith(_OLE):
        with path.open("rb") as file:
            container = file.read(_OLE_SCAN_BYTES)
        if _ENCRYPTED_STREAM in container:
            raise ImportRefused(
                "XLSX_ENCRYPTED", "Excel 文件设有打开密码（已加密），请取消密码后另存为 .xlsx 再导入"
            )
        raise ImportRefused(
            "XLS_UNSUPPORTED", "这是旧版 Excel（.xls）或其他 Office 文件，请另存为 .xlsx 或 CSV 再导入"
        )
    encoding = _text_encoding(path, head, size)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
    return Detected("ndjson" if text.startswith("{") else "csv", encoding)


def _samples(path: Path, head: bytes, size: int) -> bytes:
    """The head and a few probes further in, each cut to whole lines: a file whose first rows are ASCII
    (digits, English headers) still shows its Chinese to the detector."""
    parts = [_whole_lines(head, at_start=True, at_end=len(head) == size)]
    if size > 2 * _SAMPLE_BYTES:
        with path.open("rb") as file:
            for step in range(1, _PROBES + 1):
                file.seek(size * step // (_PROBES + 1))
                parts.append(_whole_lines(file.read(_PROBE_BYTES), at_start=False, at_end=False))
    return b"\n".join(part for part in parts if part)


def _whole_lines(chunk: bytes, *, at_start: bool, at_end: bool) -> bytes:
    # "\n" is never part of a multi-byte character in UTF-8 or GB18030, so lines cut there decode whole.
    if not at_start:
        chunk = chunk.partition(b"\n")[2]
    if not at_end and b"\n" in chunk:
        chunk = chunk[: chunk.rindex(b"\n")]
    return chunk


def _text_encoding(path: Path, head: bytes, size: int) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = _samples(path, head, size)
    if b"\x00" in sample:
        raise ImportRefused("UNSUPPORTED_FORMAT", "无法识别的文件格式：支持 XLSX、CSV 和 NDJSON")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample, cp_isolation=_CANDIDATES).best()
    if best is None:
        raise ImportRefused(
            "UNKNOWN_ENCODING", "无法识别文件的文字编码：支持 UTF-8（可带 BOM）和 GBK/GB18030，请另存为 UTF-8"
        )
    return "utf-8" if best.encoding == "utf_8" else "gb18030"


def check_zip(path: Path, limits: ZipLimits) -> None:
    """A damaged zip, one that is no workbook, or one whose declared sizes pass the limits (a zip bomb) is
    refused before openpyxl opens it. Reading a member never yields more than its declared size
    (``zipfile`` stops there), so these checks bound what is decompressed."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise ImportRefused(
            "XLSX_UNREADABLE", "Excel 文件已损坏或不完整（可能上传中断），请重新导出"
        ) from None
    names = {entry.filename for entry in entries}
    if not all(part in names for part in _XLSX_PARTS):
        raise ImportRefused("XLSX_UNREADABLE", "压缩包中没有 Excel 工作簿（xl/workbook.xml）")
    if len(entries) > _MAX_ZIP_ENTRIES:
        raise ImportRefused("XLSX_ZIP_BOMB", f"Excel 文件包含 {len(entries)} 个部件，超过上限")
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _BOMB_MIN_MEMBER_BYTES and ratio > limits.max_ratio:
            raise ImportRefused(
                "XLSX_ZIP_BOMB",
                f"Excel 部件 {entry.filename[:80]} 压缩比 {ratio:.0f}:1，超过上限 {limits.max_ratio:.0f}:1",
            )
    if total > limits.max_unzipped_bytes:
        raise ImportRefused(
            "XLSX_ZIP_BOMB", f"Excel 文件解压后 {total} 字节，超过上限 {limits.max_unzipped_bytes} 字节"
        )
