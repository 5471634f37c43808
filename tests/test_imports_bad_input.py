"""Bad files (issue 9, "Bad input"): each a clear code at upload, a failed job, or one rejected row; never a
500, never a half-imported file reported done."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.helpers import keyed_client
from tests.import_files import (
    POSTING_HEADER,
    csv_bytes,
    encrypted_workbook,
    imported,
    job_fair_sheet,
    notes_sheet,
    posting_rows,
    upload,
    xlsx_bytes,
    zip_bomb,
)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data", environment="test", max_import_bytes=256 * 1024, import_batch_records=100
    )
    with keyed_client(create_app(EMBEDDED, settings=settings), settings, role="staff") as test_client:
        yield test_client


def refused(client: TestClient, content: bytes) -> tuple[int, str]:
    response = upload(client, content)
    return response.status_code, response.json()["error"]["code"]


def test_plainly_unusable_files_are_refused_at_upload(client: TestClient) -> None:
    good = xlsx_bytes(("岗位", job_fair_sheet))
    latin = ("Name;City;Salary\n" + "Müller;Köln;3000€\n" * 30).encode("cp1252")
    noise = random.Random(9).randbytes(5000)
    cases = {
        "empty": (b"", "EMPTY_FILE"),
        "unknown encoding": (latin, "UNKNOWN_ENCODING"),
        "random bytes": (noise.replace(b"\0", b"\1"), "UNKNOWN_ENCODING"),
        "binary": (b"%PDF-1.7\n\0\0\0binary", "UNSUPPORTED_FORMAT"),
        "password-protected xlsx": (encrypted_workbook(), "XLSX_ENCRYPTED"),
        "legacy xls": (bytes.fromhex("D0CF11E0A1B11AE1") + b"Workbook".ljust(4000, b"\0"), "XLS_UNSUPPORTED"),
        "truncated xlsx": (good[: len(good) // 2], "XLSX_UNREADABLE"),
        "zip that is no workbook": (_zip_of({"readme.txt": b"hello"}), "XLSX_UNREADABLE"),
        "zip bomb": (zip_bomb(), "XLSX_ZIP_BOMB"),
    }
    for name, (content, code) in cases.items():
        assert refused(client, content) == (400, code), name
    assert client.get("/v1/imports").json()["items"] == []
    assert not any((client.app.state.backends.settings.data_dir / "imports").iterdir())


def test_a_file_over_the_limit_is_413_and_not_kept(client: TestClient) -> None:
    big = csv_bytes([POSTING_HEADER, *posting_rows(3000)])
    assert len(big) > 256 * 1024
    response = upload(client, big)
    assert (response.status_code, response.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert response.json()["error"]["details"] == [{"limit_bytes": 256 * 1024}]
    assert not any((client.app.state.backends.settings.data_dir / "imports").iterdir())


def test_a_sheet_with_no_recognisable_header_fails_the_job(client: TestClient) -> None:
    job = imported(client, xlsx_bytes(("说明", notes_sheet)))
    assert (job["status"], job["error"]["code"], job["accepted"]) == ("failed", "NO_HEADER", 0)
    plain = imported(client, csv_bytes([["a", "b"], ["1", "2"]]))
    assert (plain["status"], plain["error"]["code"]) == ("failed", "NO_HEADER")


def test_only_the_sheets_with_a_header_are_imported(client: TestClient) -> None:
    job = imported(client, xlsx_bytes(("说明", notes_sheet), ("岗位", job_fair_sheet)))
    assert (job["status"], job["accepted"]) == ("done", 3)
    assert [sheet["header_row"] for sheet in job["sheets"]] == [None, 2]


def test_a_ragged_csv_row_is_rejected_and_the_rest_imported(client: TestClient) -> None:
    rows = [
        POSTING_HEADER,
        *posting_rows(2),
        ["3", "钳工", "郑州"],
        *posting_rows(2, start=4),
        ["6", "车工", "郑州", "1", "2", "3", "4", "5", "6", "多余"],
    ]
    job = imported(client, csv_bytes(rows))
    assert (job["status"], job["accepted"], job["rejected"]) == ("done", 4, 2)
    assert [(error["row"], error["code"]) for error in job["errors"]] == [
        (4, "RAGGED_ROW"),
        (7, "RAGGED_ROW"),
    ]


def test_bytes_the_encoding_cannot_read_reject_their_row_only(client: TestClient) -> None:
    """Damage past the part of the file the encoding is detected from (its head and a few probes)."""
    content = csv_bytes([POSTING_HEADER, *posting_rows(2400)], encoding="gbk")
    assert 200_000 < len(content) < 256 * 1024
    damaged = content.replace("第900机械厂".encode("gbk"), b"\xff\xfe\xff" + "机械厂".encode("gbk"))
    assert content.index("第900机械厂".encode("gbk")) > 64 * 1024
    job = imported(client, damaged)
    assert (job["status"], job["accepted"], job["rejected"]) == ("done", 2399, 1)
    assert [(error["row"], error["field"], error["code"]) for error in job["errors"]] == [
        (901, "单位名称", "UNDECODABLE_TEXT")
    ]


def test_damage_inside_an_xlsx_part_fails_the_job_never_done(client: TestClient, tmp_path: Path) -> None:
    """The zip's directory is intact (so it passes the upload's check) but a sheet's compressed data is
    corrupt: the job fails where reading stops, with the rows before it published and counted."""
    import zipfile

    many = lambda sheet: [sheet.append(row) for row in (POSTING_HEADER, *posting_rows(400))]
    source = tmp_path / "good.xlsx"
    source.write_bytes(xlsx_bytes(("岗位", many)))
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        parts = {item.filename: archive.read(item.filename) for item in archive.infolist()}
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    content = bytearray(broken.read_bytes())
    with zipfile.ZipFile(broken) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    content[middle : middle + 64] = os.urandom(64)
    job = imported(client, bytes(content))
    assert job["status"] == "failed" and job["error"]["code"] == "XLSX_UNREADABLE", job
    assert job["rows_read"] < 400 and job["accepted"] == job["rows_read"]


def test_malformed_multipart_bodies_are_422(client: TestClient) -> None:
    headers = {"content-type": "multipart/form-data; boundary=XX"}
    cut = b'--XX\r\nContent-Disposition: form-data; name="kind"\r\n\r\npostings\r\n--XX\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\ntitle\r\nx'
    for body in (cut, b"garbage without a boundary", b"--XX\r\nno-colon-header\r\n\r\nx\r\n--XX--\r\n"):
        response = client.post("/v1/imports", content=body, headers=headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == "MALFORMED_MULTIPART", body
    no_boundary = client.post("/v1/imports", content=b"x", headers={"content-type": "multipart/form-data"})
    assert no_boundary.status_code == 422
    # A part the form does not have (the document closes the form: additionalProperties false).
    extra = client.post(
        "/v1/imports",
        data={"kind": "postings", "source": "test", "sheet": "1"},
        files={"file": ("a.csv", "岗位名称\n电工\n".encode())},
    )
    assert extra.status_code == 422 and extra.json()["error"]["code"] == "MALFORMED_MULTIPART"
    assert "sheet" in extra.json()["error"]["message"]
    assert not any((client.app.state.backends.settings.data_dir / "imports").iterdir())


def _zip_of(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
