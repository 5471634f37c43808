"""File imports on the embedded shape: every format, header variants, mappings, row errors, idempotency,
interrupted and resumed jobs, and the staff CLI, through HTTP."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.console import Console

from services.embedded import EMBEDDED
from services.ingest.imports.cli import import_command
from services.ingest.imports.jobs import ImportJob, new_job_id, now, save
from services.ingest.imports.runner import spool_path
from shared.ports.event_log import TOPIC_DLQ
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.helpers import keyed_client, wait_for
from tests.import_files import (
    POSTING_HEADER,
    csv_bytes,
    finished,
    imported,
    indexed,
    job_fair_sheet,
    notes_sheet,
    posting_rows,
    upload,
    xlsx_bytes,
)

MAPPING = """\
kind: postings
source: county-fair
columns:
  招工岗位名: title
  用人企业（盖章）: employer.name
  报名咨询: description+
  展位号: "-"
values:
  location: 河南省洛阳市
id_columns: [展位号]
"""


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    mappings = data_dir.parent / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    (mappings / "county-fair.yaml").write_text(MAPPING, encoding="utf-8")
    return Settings(
        data_dir=data_dir,
        environment="test",
        import_mappings_dir=mappings,
        import_batch_records=3,
        import_heartbeat_s=0.2,
        import_stale_after_s=2.0,
        **overrides,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with keyed_client(create_app(EMBEDDED, settings=settings), settings, role="staff") as test_client:
        yield test_client


def test_a_gbk_csv_with_a_title_row_is_imported_and_searchable(client: TestClient) -> None:
    rows = [["2026年春季招聘会岗位汇总表", "", ""], POSTING_HEADER, *posting_rows(7)]
    job = imported(client, csv_bytes(rows, encoding="gbk"), filename="岗位.txt")
    assert (job["status"], job["format"], job["encoding"]) == ("done", "csv", "gb18030")
    assert (job["rows_read"], job["accepted"], job["rejected"], job["errors"]) == (7, 7, 0, [])
    assert job["sheets"] == [{"name": None, "header_row": 2, "ignored_columns": []}]
    search = wait_for(
        lambda: client.get("/v1/postings/search", params={"q": "维修电工", "size": 20}).json()["total"] == 7
    )
    assert search
    hit = client.get("/v1/postings/search", params={"q": "维修电工7"}).json()["hits"][0]
    posting = client.get(f"/v1/postings/{hit['id']}").json()
    assert hit["id"].startswith("fair:h")
    assert posting["salary"]["min"] == 4000 and posting["salary"]["max"] == 6000
    assert posting["employer"]["name"] == "第7机械厂" and posting["headcount"] == 3
    assert posting["location"]["region_code"] == "410105"


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", False), ("utf-8", "\t", True), ("gb18030", ";", False), ("gbk", "\t", False)],
)
def test_csv_encodings_and_delimiters_are_told_from_the_bytes(
    client: TestClient, encoding, delimiter, bom
) -> None:
    job = imported(
        client, csv_bytes([POSTING_HEADER, *posting_rows(3)], encoding=encoding, delimiter=delimiter, bom=bom)
    )
    assert (job["status"], job["accepted"], job["rejected"]) == ("done", 3, 0), job


def test_header_variants_map_to_the_same_fields(client: TestClient) -> None:
    header = [
        "职位名称",
        "工作地区",
        "月薪",
        "需求人数",
        "最低学历",
        "企业名称",
        "任职要求",
        "岗位描述",
        "有效期至",
        "用工形式",
    ]
    row = [
        "焊工",
        "洛阳市",
        "6000-9000",
        "2人",
        "高中",
        "丙重工",
        "持焊工证",
        "钢结构焊接",
        "2099-10-01",
        "全日制",
    ]
    job = imported(client, csv_bytes([header, row]))
    assert job["accepted"] == 1, job
    hit = wait_for(lambda: client.get("/v1/postings/search", params={"q": "焊工"}).json()["hits"])
    posting = client.get(f"/v1/postings/{hit[0]['id']}").json()
    assert posting["description"] == "持焊工证\n钢结构焊接" and posting["job_type"] == "全职"
    assert posting["headcount"] == 2 and posting["location"]["region_code"] == "410300"


def test_an_xlsx_with_several_sheets_merged_headers_and_excel_dates(client: TestClient) -> None:
    other = lambda sheet: [sheet.append(row) for row in (POSTING_HEADER, *posting_rows(2, title="保洁"))]
    content = xlsx_bytes(("填表说明", notes_sheet), ("岗位", job_fair_sheet), ("补充岗位", other))
    job = imported(client, content, filename="jobs.csv")  # the name says CSV: the bytes say otherwise
    assert (job["status"], job["format"], job["accepted"], job["rejected"]) == ("done", "xlsx", 5, 0), job
    assert [(sheet["name"], sheet["header_row"]) for sheet in job["sheets"]] == [
        ("填表说明", None),
        ("岗位", 2),
        ("补充岗位", 1),
    ]
    wait_for(lambda: client.get("/v1/postings/search", params={"q": "质检员"}).json()["hits"])
    hit = client.get("/v1/postings/search", params={"q": "质检员"}).json()["hits"][0]
    posting = client.get(f"/v1/postings/{hit['id']}").json()
    # The salary's two columns under one merged header, the employer merged down, a date as a day number.
    assert (posting["salary"]["min"], posting["salary"]["max"]) == (4000, 5500)
    assert posting["employer"]["name"] == "甲精密机械有限公司"
    assert posting["expires_at"].startswith("2099-12-31") and posting["headcount"] == 2
    forklift = client.get("/v1/postings/search", params={"q": "叉车司机"}).json()["hits"][0]
    assert client.get(f"/v1/postings/{forklift['id']}").json()["headcount"] is None  # 若干: not given


def test_ndjson_lines_with_our_fields_or_chinese_keys(client: TestClient) -> None:
    lines = [
        json.dumps(
            {"source_id": "n1", "title": "仓库管理员", "employer": {"name": "丁仓储"}, "location": "郑州"}
        ),
        "",
        json.dumps({"岗位编号": "n2", "岗位名称": "理货员", "工作地点": "开封市"}, ensure_ascii=False),
        "{not json",
        json.dumps(["a list"]),
    ]
    job = imported(client, "\n".join(lines).encode("utf-8"))
    assert (job["format"], job["accepted"], job["rejected"]) == ("ndjson", 2, 2)
    assert [(error["row"], error["code"]) for error in job["errors"]] == [
        (4, "MALFORMED_JSON"),
        (5, "NOT_AN_OBJECT"),
    ]
    indexed(client, ["fair:n1", "fair:n2"])


def test_rejected_rows_name_their_row_field_and_reason_and_reach_the_dead_letters(client: TestClient) -> None:
    rows = [
        ["招聘岗位信息"],
        ["岗位名称", "工作地点", "统一社会信用代码", "招聘人数", "截止日期"],
        ["电工", "郑州", "", "2", "2099-01-01"],
        ["", "郑州", "", "2", "2099-01-01"],
        ["钳工", "郑州", "", "很多", "明年"],
        ["车工", "郑州", "", "1"],
        ["铣工", "郑州", "", "1", "2099-01-01"],
    ]
    job = imported(client, csv_bytes(rows))
    assert (job["status"], job["rows_read"], job["accepted"], job["rejected"]) == ("done", 5, 2, 3)
    assert [(error["row"], error["field"], error["code"]) for error in job["errors"]] == [
        (4, "title", "REQUIRED"),
        (5, "headcount", "WRONG_TYPE"),
        (5, "expires_at", "BAD_FORMAT"),
        (6, "(record)", "RAGGED_ROW"),
    ]
    assert job["errors_total"] == 4
    consumer = client.app.state.backends.event_log.consumer([TOPIC_DLQ], group="import-test")
    letters = [event.value for event in consumer.poll(timeout_s=1) if event.value]
    consumer.close()
    origins = [letter["origin"] for letter in letters]
    assert [(origin["row"], origin["import_id"], origin["source"]) for origin in origins] == [
        (4, job["id"], "fair"),
        (5, job["id"], "fair"),
        (6, job["id"], "fair"),
    ]
    assert origins[1]["raw"]["招聘人数"] == "很多" and origins[1]["type"] == "import"


def test_seekers_from_a_gbk_csv_keep_personal_data_out_of_errors_and_dead_letters(client: TestClient) -> None:
    header = [
        "姓名",
        "身份证号",
        "手机号",
        "性别",
        "出生日期",
        "户籍地",
        "求职意向",
        "期望地区",
        "是否愿意外出",
        "人员类别",
        "是否同意共享",
        "人员编号",
    ]
    rows = [
        header,
        [
            "王五",
            "11010519491231002X",
            "13912345678",
            "男",
            "1990-05-01",
            "河南省周口市",
            "电工、焊工",
            "郑州",
            "是",
            "高校毕业生",
            "是",
            "s1",
        ],
        [
            "赵六",
            "110105194912310021",
            "13812345678",
            "女",
            "1992-01-01",
            "河南省",
            "保洁",
            "郑州",
            "否",
            "未知类别",
            "否",
            "s2",
        ],
    ]
    job = imported(client, csv_bytes(rows, encoding="gbk"), kind="seekers")
    assert (job["accepted"], job["rejected"]) == (1, 1), job
    assert {(error["row"], error["field"]) for error in job["errors"]} == {(3, "id_number"), (3, "groups.0")}
    assert "赵六" not in json.dumps(job, ensure_ascii=False) and "13812345678" not in json.dumps(job)
    indexed(client, ["fair:s1"], path="seekers")
    profile = client.get("/v1/seekers/fair:s1").json()
    assert profile["desired_titles"] == ["电工", "焊工"] and profile["desired_region_codes"] == ["410100"]
    assert (profile["birth_year"], profile["willing_to_relocate"], profile["groups"]) == (
        1990,
        True,
        ["college_graduate"],
    )
    assert profile["name"] == "王*" and profile["consent_share_with_partners"] is True
    consumer = client.app.state.backends.event_log.consumer([TOPIC_DLQ], group="import-seekers")
    [letter] = [event.value for event in consumer.poll(timeout_s=1) if event.value]
    consumer.close()
    text = json.dumps(letter, ensure_ascii=False)
    assert (
        "赵六" not in text
        and "13812345678" not in text
        and "110105194912310021" not in text
        and "保洁" not in text
    )
    assert letter["origin"]["raw"]["人员编号"] == "s2" and letter["origin"]["raw"]["姓名"] == "(removed)"


def test_a_mapping_file_maps_the_rest_and_names_the_source(client: TestClient) -> None:
    rows = [
        ["展位号", "招工岗位名", "用人企业（盖章）", "报名咨询"],
        ["A12", "叉车司机", "丙公司", "0379-66668888"],
    ]
    job = imported(client, csv_bytes(rows), source=None, mapping="county-fair")
    assert (job["accepted"], job["source"], job["mapping"]) == (1, "county-fair", "county-fair"), job
    indexed(client, ["county-fair:A12"])
    posting = client.get("/v1/postings/county-fair:A12").json()
    assert posting["employer"]["name"] == "丙公司" and posting["location"]["region_code"] == "410300"
    assert posting["description"] == "报名咨询：0379-66668888"


def test_the_form_is_checked_before_anything_runs(client: TestClient) -> None:
    content = csv_bytes([POSTING_HEADER, *posting_rows(1)])
    refused = {
        "no source": (upload(client, content, source=None), 400, "SOURCE_REQUIRED"),
        "unknown mapping": (upload(client, content, mapping="nope"), 400, "UNKNOWN_MAPPING"),
        "bad source": (upload(client, content, source="bad source!"), 422, "VALIDATION_FAILED"),
        "bad kind": (upload(client, content, kind="jobs"), 422, "VALIDATION_FAILED"),
        "no file": (
            client.post("/v1/imports", files={"kind": (None, "postings"), "source": (None, "test")}),
            422,
            "VALIDATION_FAILED",
        ),
        "json": (client.post("/v1/imports", json={"kind": "postings"}), 415, "UNSUPPORTED_MEDIA_TYPE"),
    }
    for name, (response, status, code) in refused.items():
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), name
    assert client.get("/v1/imports").json()["items"] == []
    assert not any(client.app.state.backends.settings.data_dir.joinpath("imports").iterdir())


def test_imports_are_for_staff(settings: Settings) -> None:
    content = csv_bytes([POSTING_HEADER, *posting_rows(1)])
    app = create_app(EMBEDDED, settings=settings)
    for role in ("partner", "kiosk", "mobile"):
        with keyed_client(app, settings, role=role) as other:
            assert upload(other, content).status_code == 403
            assert other.get("/v1/imports").status_code == 403


def test_the_same_file_twice_adds_nothing(client: TestClient) -> None:
    content = csv_bytes([POSTING_HEADER, *posting_rows(6, title="装配工")])
    first = imported(client, content)
    total = lambda: client.get("/v1/postings/search", params={"q": "装配工", "size": 50}).json()["total"]
    wait_for(lambda: total() == 6)
    ids = sorted(
        hit["id"]
        for hit in client.get("/v1/postings/search", params={"q": "装配工", "size": 50}).json()["hits"]
    )
    second = imported(client, content)
    assert (first["accepted"], second["accepted"]) == (6, 6) and first["id"] != second["id"]
    client.app.state.backends.postings.refresh()
    again = sorted(
        hit["id"]
        for hit in client.get("/v1/postings/search", params={"q": "装配工", "size": 50}).json()["hits"]
    )
    assert again == ids and len(ids) == 6
    listed = client.get("/v1/imports", params={"limit": 1}).json()
    assert listed["items"][0]["id"] == second["id"] and listed["next"] == second["id"]
    assert client.get("/v1/imports", params={"after": listed["next"]}).json()["items"][0]["id"] == first["id"]


def _stopped_job(settings: Settings, content: bytes, *, position: int, accepted: int) -> ImportJob:
    """A job as a killed process leaves it: running, its heartbeat an hour old, its file spooled."""
    started = now() - timedelta(hours=1)
    job = ImportJob(
        id=new_job_id(started),
        kind="postings",
        source="fair",
        format="csv",
        encoding="utf-8",
        status="running",
        position=position,
        rows_read=position,
        accepted=accepted,
        started_at=started,
        heartbeat_at=started,
        owner="gone:1:abc",
    )
    path = spool_path(settings, job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return job


def test_a_killed_import_is_interrupted_never_done_and_resumes_after_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    content = csv_bytes([POSTING_HEADER, *posting_rows(10, title="包装工")])
    with keyed_client(create_app(EMBEDDED, settings=settings), settings, role="staff") as client:
        job = _stopped_job(settings, content, position=4, accepted=4)
        lost = ImportJob.model_validate({**job.model_dump(), "id": new_job_id(now() - timedelta(hours=2))})
        save(client.app.state.backends.state, job)
        save(client.app.state.backends.state, lost)  # its file is gone: it stays interrupted
        answered = client.get(f"/v1/imports/{job.id}").json()
        assert (answered["status"], answered["rows_read"]) == ("interrupted", 4)
    with keyed_client(create_app(EMBEDDED, settings=settings), settings, role="staff") as client:
        resumed = finished(client, job.id)
        # Rows 1-4 were checkpointed before the kill: skipped, not counted twice.
        assert (resumed["status"], resumed["rows_read"], resumed["accepted"], resumed["resumed"]) == (
            "done",
            10,
            10,
            1,
        )
        assert not spool_path(settings, job.id).exists()
        assert client.get(f"/v1/imports/{lost.id}").json()["status"] == "interrupted"
        titles = [f"包装工{n}" for n in range(5, 11)]
        for title in titles:
            wait_for(
                lambda title=title: client.get("/v1/postings/search", params={"q": title}).json()["total"]
            )


def test_the_cli_uploads_follows_and_exits_by_outcome(client: TestClient, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([POSTING_HEADER, *posting_rows(4)], encoding="gbk"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["岗位名称", "招聘人数"], ["电工", "2"], ["", "3"], ["钳工", "x"]]))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    out = io.StringIO()
    console = Console(file=out, width=200)
    run = lambda *args: import_command(
        [*args, "--kind", "postings", "--source", "fair"], client=client, console=console
    )
    assert run(str(good)) == 0
    assert "共 4 行，接受 4，拒绝 0" in out.getvalue()
    assert run(str(bad)) == 1
    assert "REQUIRED" in out.getvalue() and "WRONG_TYPE" in out.getvalue()
    assert run(str(empty)) == 2
    assert "EMPTY_FILE" in out.getvalue()
