"""Personal data: ID numbers kept only as a keyed hash, masking by role, durable audit, erasure from the audit,
and no name, ID number or phone in any answer a role without the right gets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from shared.domain.id_number import make_id_number, mask_id_number
from shared.domain.records import SeekerRecord
from shared.settings import Settings
from shared.web.app_factory import create_app
from shared.web.seeker_views import visible_to_partners
from tests.helpers import bearer, posting, role_keys, wait_for

NAME = "王小芝"
PHONE = "13812345678"
ID_NUMBER = make_id_number("410105", "19900101", "123")
SEEKER = {
    "source": "test",
    "source_id": "pd1",
    "name": NAME,
    "phone": PHONE,
    "id_number": ID_NUMBER,
    "region_code": "410105",
    "desired_titles": ["电工"],
    "skills": ["电气维修"],
    "certificates": ["电工证"],
    "education": "中专",
    "groups": ["rural_migrant"],
    "work_history": "在郑州一家工厂做过三年维修电工。",
}
TYPED_PHONE, TYPED_ID = "13912345678", make_id_number("410105", "19850505", "456")
OTHER = {**SEEKER, "source_id": "pd2", "name": "欧阳娜娜", "phone": "13987654321", "id_number": None}


def files_containing(root: Path, needle: str) -> list[str]:
    return [str(path) for path in root.rglob("*") if path.is_file() and needle.encode() in path.read_bytes()]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    data_dir = tmp_path_factory.mktemp("personal") / "data"
    settings = Settings(data_dir=data_dir, environment="test")
    keys = role_keys(settings)
    with TestClient(create_app(EMBEDDED, settings=settings)) as client:
        partner = bearer(keys["partner"])
        assert (
            client.post("/v1/postings", json=[posting("p1", "维修电工")], headers=partner).status_code == 200
        )
        answer = client.post("/v1/seekers", json=[SEEKER, OTHER], headers=partner).json()
        assert answer["accepted"] == 2, answer
        staff = bearer(keys["staff"])
        wait_for(lambda: client.get("/v1/seekers/test:pd2", headers=staff).status_code == 200)
        wait_for(lambda: client.get("/v1/postings/test:p1", headers=staff).status_code == 200)
        yield client, keys, data_dir


def test_the_id_number_is_stored_nowhere_in_clear(service: tuple[TestClient, dict[str, str], Path]) -> None:
    client, keys, data_dir = service
    client.get("/v1/seekers/test:pd1", headers=bearer(keys["staff_pii"]))
    assert files_containing(data_dir, ID_NUMBER) == []  # index, event log, audit, every file
    assert files_containing(data_dir, PHONE)  # while the phone is kept (staff_pii may see it)


def test_identifiers_typed_into_free_text_are_masked_at_ingest(
    service: tuple[TestClient, dict[str, str], Path],
) -> None:
    client, keys, data_dir = service
    typed = {
        **SEEKER,
        "source_id": "typed",
        "desired_titles": ["保洁员"],
        "skills": [],
        "certificates": [],
        "groups": [],
        "work_history": f"做过保洁，联系我{TYPED_PHONE}，身份证{TYPED_ID}",
    }
    answer = client.post("/v1/seekers", json=[typed], headers=bearer(keys["partner"])).json()
    assert [w["code"] for w in answer["results"][0]["warnings"]] == ["PERSONAL_DATA_MASKED"]
    staff_pii = bearer(keys["staff_pii"])
    shown = wait_for(
        lambda: client.get("/v1/seekers/test:typed", headers=staff_pii).json().get("work_history")
    )
    assert shown == f"做过保洁，联系我139****5678，身份证{mask_id_number(TYPED_ID)}"
    assert files_containing(data_dir, TYPED_PHONE) == [] and files_containing(data_dir, TYPED_ID) == []
    found = client.get("/v1/seekers/search", params={"q": TYPED_PHONE}, headers=bearer(keys["staff"]))
    assert found.json()["total"] == 0  # nor can staff test whether a number belongs to someone


def test_the_data_directory_is_its_owners_only(service: tuple[TestClient, dict[str, str], Path]) -> None:
    _, _, data_dir = service
    assert data_dir.stat().st_mode & 0o777 == 0o700


def test_staff_see_names_and_phones_masked_and_staff_pii_see_them(
    service: tuple[TestClient, dict[str, str], Path],
) -> None:
    client, keys, _ = service
    masked = client.get("/v1/seekers/test:pd1", headers=bearer(keys["staff"])).json()
    assert (masked["name"], masked["phone"], masked["personal_data"]) == ("王*芝", "138****5678", "masked")
    assert masked["id_number"] == mask_id_number(ID_NUMBER)
    other = client.get("/v1/seekers/test:pd2", headers=bearer(keys["staff"])).json()
    assert (other["name"], other["id_number"]) == ("欧阳*娜", None)
    for role in ("staff_pii", "admin"):
        shown = client.get("/v1/seekers/test:pd1", headers=bearer(keys[role])).json()
        assert (shown["name"], shown["phone"], shown["personal_data"]) == (NAME, PHONE, "shown")
        assert shown["id_number"] == mask_id_number(ID_NUMBER)  # nobody gets the number: it is not kept


def test_staff_find_people_by_what_they_seek_and_each_profile_found_is_audited(
    service: tuple[TestClient, dict[str, str], Path],
) -> None:
    client, keys, _ = service
    staff = bearer(keys["staff"])
    found = client.get("/v1/seekers/search", params={"q": "电工证", "region": "410100"}, headers=staff).json()
    assert {hit["id"] for hit in found["hits"]} == {"test:pd1", "test:pd2"} and found["total"] == 2
    assert all(hit["personal_data"] == "masked" for hit in found["hits"])
    assert client.get("/v1/seekers/search", params={"education": "本科"}, headers=staff).json()["total"] == 0
    assert client.get("/v1/seekers/search", params={"groups": "veteran"}, headers=staff).json()["total"] == 0
    by_group = client.get("/v1/seekers/search", params={"groups": "rural_migrant,veteran"}, headers=staff)
    assert by_group.json()["total"] == 2
    unknown = client.get("/v1/seekers/search", params={"groups": "martians"}, headers=staff)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "UNKNOWN_GROUP")

    key_id = keys["staff"].split("_")[1]
    entries = client.get("/v1/audit", params={"subject": "test:pd2", "key_id": key_id}, headers=staff).json()
    searched = [entry for entry in entries["entries"] if entry["purpose"] == "seeker_search"]
    assert len(searched) >= 2 and all(entry["role"] == "staff" for entry in searched)
    assert "name:masked" in searched[0]["fields"] and "work_history" in searched[0]["fields"]


def test_every_read_is_a_durable_audit_record(service: tuple[TestClient, dict[str, str], Path]) -> None:
    client, keys, data_dir = service
    client.get("/v1/seekers/test:pd1", headers=bearer(keys["staff_pii"]))
    client.get("/v1/seekers/test:pd1/matches", headers=bearer(keys["mobile"]))
    entries = client.get("/v1/audit", params={"subject": "test:pd1"}, headers=bearer(keys["staff"])).json()
    by_purpose = {entry["purpose"]: entry for entry in entries["entries"]}
    assert by_purpose["seeker_profile"]["fields"][:3] == ["id", "source", "source_id"]
    assert {entry["role"] for entry in entries["entries"]} >= {"staff_pii", "mobile"}
    assert "name:shown" in next(e for e in entries["entries"] if e["role"] == "staff_pii")["fields"]
    assert by_purpose["seeker_matches"]["action"] == "match"
    # Durable: in the audit store on disk, not only in a log line.
    holders = {Path(name).name for name in files_containing(data_dir, "seeker_matches")}
    assert holders and all(name.startswith("audit.sqlite3") for name in holders), holders


def answers_for(client: TestClient, headers: dict[str, str]) -> list[str]:
    """What every endpoint answers this key (bodies only), with the seekers' ids where they take one."""
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/v1/postings/search", {"params": {"q": "电工"}}),
        ("GET", "/v1/postings/test:p1", {}),
        ("POST", "/v1/match", {"json": {"desired_titles": ["电工"], "location": "郑州"}}),
        ("GET", "/v1/seekers/test:pd1/matches", {}),
        ("GET", "/v1/seekers/test:pd2/matches", {}),
        ("GET", "/v1/seekers/search", {"params": {"q": "电工"}}),
        ("GET", "/v1/seekers/test:pd1", {}),
        ("GET", "/v1/seekers/test:pd2", {}),
        ("GET", "/v1/audit", {}),
        ("GET", "/v1/postings/test:p1/matches", {}),
        ("POST", "/v1/seekers", {"json": [{**SEEKER, "source_id": "pd3", "updated_at": "2020-01-01"}]}),
        ("POST", "/v1/seekers", {"json": [{**SEEKER, "source_id": "pd4", "phone": "x"}]}),
        ("GET", "/openapi.json", {}),
        ("GET", "/readyz", {}),
        ("GET", "/metrics", {}),
    ]
    return [client.request(method, url, headers=headers, **extra).text for method, url, extra in requests]


@pytest.mark.parametrize("role", ["kiosk", "mobile", "partner", "staff", None])
def test_no_answer_to_a_role_without_the_right_holds_a_name_id_number_or_phone(
    service: tuple[TestClient, dict[str, str], Path], role: str | None
) -> None:
    client, keys, _ = service
    bodies = answers_for(client, bearer(keys[role]) if role else {})
    for secret in (NAME, PHONE, ID_NUMBER, "欧阳娜娜", "13987654321"):
        leaking = [body[:200] for body in bodies if secret in body]
        assert not leaking, (role, secret, leaking)


def test_erasure_reaches_the_audit_which_keeps_that_it_happened(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", environment="test")
    keys = role_keys(settings)
    staff = bearer(keys["staff"])
    with TestClient(create_app(EMBEDDED, settings=settings)) as client:
        client.post("/v1/seekers", json=[{**SEEKER, "source_id": "gone"}], headers=bearer(keys["partner"]))
        wait_for(lambda: client.get("/v1/seekers/test:gone", headers=staff).status_code == 200)
        client.get("/v1/seekers/test:gone/matches", headers=staff)
        assert client.delete("/v1/seekers/test:gone", headers=staff).status_code == 202
        assert client.get("/v1/audit", params={"subject": "test:gone"}, headers=staff).json()["entries"] == []
        entries = client.get("/v1/audit", headers=staff).json()["entries"]
        assert "test:gone" not in str(entries)
        erased = [entry for entry in entries if entry["subject"].startswith("erased:")]
        assert {entry["action"] for entry in erased} == {"read", "match", "delete"}
        assert len({entry["subject"] for entry in erased}) == 1  # still one person's trail
        assert all(entry["erased"] for entry in erased)
        wait_for(lambda: client.get("/v1/seekers/test:gone", headers=staff).status_code == 404)
    audit_files = [path for path in (tmp_path / "data").iterdir() if path.name.startswith("audit.sqlite3")]
    assert audit_files and not any(b"test:gone" in path.read_bytes() for path in audit_files)


def test_a_read_between_the_delete_and_the_index_is_erased_from_the_audit_by_the_indexer(
    tmp_path: Path,
) -> None:
    """The indexer erases the audit again when it applies the tombstone: a read in between is caught."""
    from services.search.consumer import IndexingConsumer
    from services.search.service import indexing_consumer
    from shared.adapters.backends import Backend, Backends
    from shared.ports.event_log import TOPIC_SEEKERS
    from shared.security.principal import Principal
    from shared.security.roles import Role
    from shared.web.audit import audit

    settings = Settings(data_dir=tmp_path / "data", environment="test")
    needs = frozenset(
        {
            Backend.EVENT_LOG,
            Backend.POSTINGS_INDEX,
            Backend.SEEKERS_INDEX,
            Backend.AUDIT_LOG,
            Backend.STATE_STORE,
        }
    )
    backends = Backends.open(settings, needs)
    try:
        consumer: IndexingConsumer = indexing_consumer(backends)
        staff = Principal(key_id="k", role=Role.STAFF)
        audit(
            backends.audit,
            staff,
            action="read",
            purpose="seeker_profile",
            disclosed=[("test:late", ["name:masked"])],
        )
        backends.event_log.publish(TOPIC_SEEKERS, [("test:late", None)])
        reader = backends.event_log.consumer([TOPIC_SEEKERS], "erasure-test")
        try:
            wait_for(lambda: consumer.run_once(reader) > 0)
        finally:
            reader.close()
        assert backends.audit.entries(subject="test:late") == []
        assert [entry.erased for entry in backends.audit.entries()] == [True]
    finally:
        backends.close()


def test_an_event_written_before_hashing_is_read_without_its_id_number() -> None:
    legacy = {
        "id": "test:old",
        "source": "test",
        "source_id": "old",
        "id_number": ID_NUMBER,
        "updated_at": "2026-01-01T00:00:00+08:00",
        "version": 1,
    }
    record = SeekerRecord.model_validate(legacy)
    assert ID_NUMBER not in record.model_dump_json()
    assert record.id_number_masked == mask_id_number(ID_NUMBER) and record.id_number_hash is None


def test_partners_see_a_seeker_only_with_consent() -> None:
    base = {"id": "t:1", "source": "t", "source_id": "1", "updated_at": "2026-01-01T00:00:00Z", "version": 1}
    assert not visible_to_partners(SeekerRecord.model_validate(base))
    assert visible_to_partners(SeekerRecord.model_validate({**base, "consent_share_with_partners": True}))


def test_a_vacancy_ranks_seekers_masked_with_the_seeker_side_score_and_audits_each(
    service: tuple[TestClient, dict[str, str], Path],
) -> None:
    client, keys, _ = service
    staff = bearer(keys["staff"])
    answer = client.get("/v1/postings/test:p1/matches", headers=staff).json()
    assert {match["seeker"]["id"] for match in answer["matches"]} == {"test:pd1", "test:pd2"}
    top = answer["matches"][0]
    assert top["seeker"]["name"] in ("王*芝", "欧阳*娜") and top["seeker"]["personal_data"] == "masked"
    assert "持电工证" in top["explain"]["reasons"] or top["explain"]["features"]["occupation"] > 0
    # The same pair scores the same from the seeker's side.
    seeker_side = client.get(f"/v1/seekers/{top['seeker']['id']}/matches", headers=staff).json()["matches"]
    same = next(match for match in seeker_side if match["posting"]["id"] == "test:p1")
    assert abs(same["score"] - top["score"]) < 1.0  # text relevance is scaled within each candidate set
    entries = client.get("/v1/audit", params={"subject": "test:pd1"}, headers=staff).json()["entries"]
    assert any(entry["purpose"] == "posting_matches" for entry in entries)
    assert client.get("/v1/postings/test:none/matches", headers=staff).status_code == 404
