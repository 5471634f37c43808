"""Files the import tests upload, made in the test: CSV in several encodings, XLSX workbooks, bad files."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import openpyxl
from fastapi.testclient import TestClient

from tests.helpers import wait_for

POSTING_HEADER = [
    "序号",
    "岗位名称",
    "工作地点",
    "薪资待遇（元/月）",
    "招聘人数（人）",
    "学历要求",
    "单位名称",
    "岗位职责",
    "截止日期",
]


def posting_rows(count: int, *, start: int = 1, title: str = "维修电工") -> list[list[str]]:
    return [
        [
            str(n),
            f"{title}{n}",
            "河南省郑州市金水区",
            "4000-6000",
            "3",
            "中专",
            f"第{n}机械厂",
            "设备日常维修，持电工证。",
            "2099/12/31",
        ]
        for n in range(start, start + count)
    ]


def csv_bytes(
    rows: Sequence[Sequence[str]], *, encoding: str = "utf-8", delimiter: str = ",", bom: bool = False
) -> bytes:
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(*sheets: tuple[str, Callable[[Any], None]]) -> bytes:
    """A workbook with one sheet per (title, fill) pair; ``fill`` writes the worksheet."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, fill in sheets:
        fill(workbook.create_sheet(title))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def job_fair_sheet(sheet: Any) -> None:
    """A title row, a header two rows deep with merged cells, Excel dates and serials, numbers as text,
    and an employer cell merged down over its two posts."""
    sheet.append(["2026年春风行动专场招聘会岗位信息表"])
    sheet.merge_cells("A1:F1")
    sheet.append(["岗位名称", "薪资待遇（元/月）", None, "截止日期", "单位名称", "招聘人数"])
    sheet.append([None, "最低", "最高", None, None, None])
    for column in "ADEF":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("B2:C2")
    sheet.append(["数控车工", 5000, 8000, datetime(2099, 12, 31), "甲精密机械有限公司", "5"])
    sheet.append(["质检员", "4000", "5500", 73050, None, 2])  # 73050: 2099-12-31 as an Excel day number
    sheet.merge_cells("E4:E5")
    sheet.append([])
    sheet.append(["叉车司机", 4500, 6000, date(2099, 6, 30), "乙物流公司", "若干"])


def notes_sheet(sheet: Any) -> None:
    sheet.append(["填表说明"])
    sheet.append(["1. 每个岗位一行"])
    sheet.append(["2. 薪资填写月薪"])


def zip_bomb() -> bytes:
    """A zip posing as a workbook whose sheet inflates a thousandfold (64 MB of zeros)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            zeros = b"\0" * (1024 * 1024)
            for _ in range(64):
                member.write(zeros)
    return buffer.getvalue()


def encrypted_workbook() -> bytes:
    """The start of what Excel writes for a workbook with an open password: an OLE compound file whose
    directory names the EncryptionInfo and EncryptedPackage streams (MS-OFFCRYPTO)."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0") + bytes(64)
        for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage")
    )
    return header.ljust(512, b"\0") + directory.ljust(4096, b"\0")


def upload(
    client: TestClient,
    content: bytes,
    *,
    kind: str = "postings",
    source: str | None = "fair",
    mapping: str | None = None,
    filename: str = "upload.bin",
) -> Any:
    form = {"kind": kind}
    if source:
        form["source"] = source
    if mapping:
        form["mapping"] = mapping
    return client.post(
        "/v1/imports", data=form, files={"file": (filename, content, "application/octet-stream")}
    )


def finished(client: TestClient, job_id: str, *, timeout_s: float = 30.0) -> dict[str, Any]:
    def state() -> dict[str, Any] | None:
        job = client.get(f"/v1/imports/{job_id}").json()
        return job if job["status"] != "running" else None

    found = wait_for(state, timeout_s=timeout_s)
    assert found is not None
    return found


def imported(client: TestClient, content: bytes, **options: Any) -> dict[str, Any]:
    response = upload(client, content, **options)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "running"
    return finished(client, response.json()["id"])


def indexed(
    client: TestClient, ids: Sequence[str], *, path: str = "postings", timeout_s: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout_s
    for record_id in ids:
        wait_for(
            lambda record_id=record_id: client.get(f"/v1/{path}/{record_id}").status_code == 200,
            timeout_s=max(1.0, deadline - time.monotonic()),
        )
