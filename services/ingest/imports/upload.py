"""The upload, spooled to disk as it arrives: a multipart body is parsed chunk by chunk (python-multipart's
streaming parser) and the file part is written straight into the imports directory, never held whole.

The form's text fields (``kind``, ``source``, ``mapping``) are small and kept in memory, bounded.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from fastapi.concurrency import run_in_threadpool
from python_multipart.multipart import (
    MultipartParseError,
    MultipartParser,
    MultipartState,
    parse_options_header,
)

from shared.errors import JobmatchError, UnprocessableBody, UnsupportedMediaType

_MAX_FIELD_BYTES = 1024
_MAX_PARTS = 10
FORM_FIELDS = frozenset({"file", "kind", "source", "mapping"})
"""The parts the form has; any other is refused (the document says ``additionalProperties: false``)."""
_MAX_HEADER_BYTES = 8 * 1024


class PayloadTooLarge(JobmatchError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


def _malformed(reason: str) -> UnprocessableBody:
    return UnprocessableBody(f"multipart 请求体格式错误：{reason}", code="MALFORMED_MULTIPART")


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    size: int = 0
    has_file: bool = False


@dataclass
class _Part:
    name: str | None = None
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


class _Spooler:
    """python-multipart callbacks: the file part's bytes go to ``file``; fields collect in memory."""

    def __init__(self, file: BinaryIO, limit: int) -> None:
        self.file = file
        self.limit = limit
        self.upload = Upload()
        self.part = _Part()
        self.parts = 0
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.in_file = False
        self.pending: list[bytes] = []
        """File bytes parsed from the last chunk, written off the event loop."""

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > _MAX_PARTS:
            raise _malformed(f"最多 {_MAX_PARTS} 个部分")
        self.part = _Part()
        self.headers = {}
        self.in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]
        if len(self.header_value) > _MAX_HEADER_BYTES:
            raise _malformed("部分头过长")

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_name).lower()] = bytes(self.header_value)
        self.header_name.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if disposition != b"form-data" or b"name" not in options:
            raise _malformed("每个部分需要 Content-Disposition: form-data; name=…")
        self.part.name = options[b"name"].decode("utf-8", errors="replace")
        if self.part.name not in FORM_FIELDS:
            raise _malformed(f"未知的字段 {self.part.name[:64]}（应为 {', '.join(sorted(FORM_FIELDS))}）")
        if self.part.name == "file":
            if self.upload.has_file:
                raise _malformed("只能上传一个文件")
            self.upload.has_file = True
            self.in_file = True
            raw_name = options.get(b"filename")
            self.upload.filename = raw_name.decode("utf-8", errors="replace")[:200] if raw_name else None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.upload.size += end - start
            if self.upload.size > self.limit:
                raise PayloadTooLarge(
                    f"上传文件超过上限 {self.limit} 字节（JOBMATCH_MAX_IMPORT_BYTES）",
                    details=[{"limit_bytes": self.limit}],
                )
            self.pending.append(data[start:end])
            return
        self.part.data += data[start:end]
        if len(self.part.data) > _MAX_FIELD_BYTES:
            raise _malformed(f"字段 {self.part.name} 超过 {_MAX_FIELD_BYTES} 字节")

    def on_part_end(self) -> None:
        if not self.in_file and self.part.name is not None:
            try:
                self.upload.fields[self.part.name] = self.part.data.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise _malformed(f"字段 {self.part.name} 不是 UTF-8 文本") from None

    def write_pending(self) -> None:
        for chunk in self.pending:
            self.file.write(chunk)
        self.pending.clear()


def _durable(file: BinaryIO) -> None:
    # A restart resumes an import from this file: it must survive the process.
    file.flush()
    os.fsync(file.fileno())


async def spool_upload(content_type: str, body: AsyncIterator[bytes], target: Path, *, limit: int) -> Upload:
    """Parse the multipart ``body`` into ``target`` (the file part) and the fields. On any error the
    partial file is removed and the error raised (413, 415, 422)."""
    media, options = parse_options_header(content_type)
    if media != b"multipart/form-data":
        raise UnsupportedMediaType("应为 multipart/form-data（file、kind、source、mapping）")
    boundary = options.get(b"boundary")
    if not boundary:
        raise _malformed("缺少 boundary")
    file = await run_in_threadpool(target.open, "xb")
    try:
        spooler = _Spooler(file, limit)
        callbacks = {
            name: getattr(spooler, name)
            for name in (
                "on_part_begin",
                "on_part_data",
                "on_part_end",
                "on_header_field",
                "on_header_value",
                "on_header_end",
                "on_headers_finished",
            )
        }
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        async for chunk in body:
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise _malformed(str(exc)[:200]) from None
            if spooler.pending:
                await run_in_threadpool(spooler.write_pending)
        try:
            parser.finalize()
        except MultipartParseError as exc:
            raise _malformed(str(exc)[:200]) from None
        if parser.state != MultipartState.END:
            # The body stopped before its closing boundary (a dropped connection): the file is incomplete.
            raise _malformed("请求体不完整（缺少结束分隔符）")
        await run_in_threadpool(_durable, file)
    except BaseException:
        await run_in_threadpool(file.close)
        target.unlink(missing_ok=True)
        raise
    await run_in_threadpool(file.close)
    return spooler.upload
