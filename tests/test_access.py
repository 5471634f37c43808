"""Access control: every route × every role, keys, rate limits, open mode, limits (embedded and distributed)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from services.registry import SERVICES
from shared.security.keys import create_key, read_keys, revoke_key
from shared.security.roles import Role
from shared.security.secret import MissingSecret, api_key_hash, deployment_secret
from shared.settings import Settings
from shared.web.app_factory import api_routes, create_app
from tests.helpers import ROOT, bearer, distributed_services, posting, role_keys, wait_for

ROLES = [str(role) for role in Role]
PUBLIC = {"kiosk", "mobile", "staff", "staff_pii", "admin"}
STAFF = {"staff", "staff_pii", "admin"}

# Who may call what: written out by hand from the role table, not derived from the code.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/postings"): {"partner", "admin"},
    ("POST", "/v1/seekers"): {"partner", "admin"},
    ("DELETE", "/v1/postings/{posting_id}"): {"partner", "staff", "staff_pii", "admin"},
    ("DELETE", "/v1/seekers/{seeker_id}"): {"partner", "staff", "staff_pii", "admin"},
    ("GET", "/v1/postings/search"): PUBLIC,
    ("GET", "/v1/postings/{posting_id}"): PUBLIC,
    ("POST", "/v1/match"): PUBLIC,
    ("GET", "/v1/seekers/{seeker_id}/matches"): {"mobile", "staff", "staff_pii", "admin"},
    ("GET", "/v1/seekers/search"): STAFF,
    ("GET", "/v1/seekers/{seeker_id}"): STAFF,
    ("GET", "/v1/audit"): STAFF,
    ("GET", "/v1/stats/supply-demand"): STAFF,
    ("GET", "/v1/stats/partner-recruiting"): STAFF,
    ("GET", "/v1/postings/{posting_id}/matches"): STAFF,
    ("GET", "/v1/review/flags"): STAFF,
    ("POST", "/v1/review/flags/{posting_id}/decision"): STAFF,
    ("GET", "/v1/sources"): STAFF,
    ("POST", "/v1/sources/{name}/sync"): STAFF,
    ("GET", "/v1/feeds/postings"): {"partner", "admin"},
    ("GET", "/v1/feeds/seekers"): {"partner", "admin"},
    ("GET", "/v1/review/dead-letters"): STAFF,
    ("POST", "/v1/review/dead-letters/replay"): STAFF,
    ("POST", "/v1/review/dead-letters/{letter_id}/replay"): STAFF,
    ("POST", "/v1/review/dead-letters/{letter_id}/discard"): STAFF,
    ("POST", "/v1/imports"): STAFF,
    ("GET", "/v1/imports"): STAFF,
    ("GET", "/v1/imports/{import_id}"): STAFF,
}

# One request per route: a body or parameters the route accepts, ids under the partner's source "test".
REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/postings"): {"url": "/v1/postings", "json": [posting("matrix", "电工")]},
    ("POST", "/v1/seekers"): {
        "url": "/v1/seekers",
        "json": [{"source": "test", "source_id": "matrix", "desired_titles": ["电工"]}],
    },
    ("DELETE", "/v1/postings/{posting_id}"): {"url": "/v1/postings/test:absent"},
    ("DELETE", "/v1/seekers/{seeker_id}"): {"url": "/v1/seekers/test:absent"},
    ("GET", "/v1/postings/search"): {"url": "/v1/postings/search", "params": {"q": "电工"}},
    ("GET", "/v1/postings/{posting_id}"): {"url": "/v1/postings/test:absent"},
    ("POST", "/v1/match"): {"url": "/v1/match", "json": {"desired_titles": ["电工"]}},
    ("GET", "/v1/seekers/{seeker_id}/matches"): {"url": "/v1/seekers/test:absent/matches"},
    ("GET", "/v1/seekers/search"): {"url": "/v1/seekers/search", "params": {"q": "电工"}},
    ("GET", "/v1/seekers/{seeker_id}"): {"url": "/v1/seekers/test:absent"},
    ("GET", "/v1/audit"): {"url": "/v1/audit"},
    ("GET", "/v1/stats/supply-demand"): {"url": "/v1/stats/supply-demand?region=410000"},
    ("GET", "/v1/stats/partner-recruiting"): {"url": "/v1/stats/partner-recruiting?province=410000"},
    ("GET", "/v1/postings/{posting_id}/matches"): {"url": "/v1/postings/test:absent/matches"},
    ("GET", "/v1/review/flags"): {"url": "/v1/review/flags"},
    ("POST", "/v1/review/flags/{posting_id}/decision"): {
        "url": "/v1/review/flags/test:absent/decision",
        "json": {"decision": "dismissed"},
    },
    ("GET", "/v1/sources"): {"url": "/v1/sources"},
    ("POST", "/v1/sources/{name}/sync"): {"url": "/v1/sources/absent/sync"},
    ("GET", "/v1/feeds/postings"): {"url": "/v1/feeds/postings"},
    ("GET", "/v1/feeds/seekers"): {"url": "/v1/feeds/seekers"},
    ("GET", "/v1/review/dead-letters"): {"url": "/v1/review/dead-letters"},
    ("POST", "/v1/review/dead-letters/replay"): {"url": "/v1/review/dead-letters/replay", "json": {}},
    ("POST", "/v1/review/dead-letters/{letter_id}/replay"): {"url": "/v1/review/dead-letters/absent/replay"},
    ("POST", "/v1/review/dead-letters/{letter_id}/discard"): {
        "url": "/v1/review/dead-letters/absent/discard"
    },
    ("POST", "/v1/imports"): {
        "url": "/v1/imports",
        "data": {"kind": "postings", "source": "test"},
        "files": {"file": ("posts.csv", "岗位名称,工作地点\n电工,郑州\n".encode(), "text/csv")},
    },
    ("GET", "/v1/imports"): {"url": "/v1/imports"},
    ("GET", "/v1/imports/{import_id}"): {"url": "/v1/imports/imp-absent"},
}
UNLIMITED = {f"rate_limit_{role}": "100000/second" for role in ROLES}
"""The matrix sends every role's requests in a burst: rates are tested on their own below."""
CASES = [(route, role) for route in EXPECTED for role in [*ROLES, None, "wrong"]]


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=data_dir, environment="test", **overrides)


def expect(status: int, body: dict[str, Any], route: tuple[str, str], role: str | None) -> None:
    where = f"{route} as {role}: {status} {body}"
    if role is None or role == "wrong":
        assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED"), where
    elif role in EXPECTED[route]:
        assert status not in (401, 403) and status < 500, where
    else:
        assert (status, body["error"]["code"]) == (403, "FORBIDDEN"), where


def headers_for(keys: dict[str, str], role: str | None) -> dict[str, str]:
    if role is None:
        return {}
    if role == "wrong":
        # Well formed, for a real key id, with another secret part: as refused as no key.
        key_id = keys["admin"].split("_")[1]
        return {"X-API-Key": f"jm_{key_id}_{'A' * 43}"}
    return bearer(keys[role])


def test_every_route_of_every_service_is_in_the_table() -> None:
    declared = {
        (method, route.path_format)
        for spec in SERVICES.values()
        for route in api_routes(spec)
        for method in route.methods or ()
    }
    assert declared == set(EXPECTED)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = settings_for(tmp_path_factory.mktemp("matrix") / "data", **UNLIMITED)
    keys = role_keys(settings)
    with TestClient(create_app(EMBEDDED, settings=settings)) as client:
        yield client, keys


@pytest.mark.parametrize(("route", "role"), CASES, ids=[f"{m} {p} {r}" for (m, p), r in CASES])
def test_role_matrix_embedded(
    embedded: tuple[TestClient, dict[str, str]], route: tuple[str, str], role: str | None
) -> None:
    client, keys = embedded
    request = REQUESTS[route]
    answer = client.request(route[0], headers=headers_for(keys, role), **request)
    expect(answer.status_code, answer.json(), route, role)
    if answer.status_code == 401:
        assert answer.headers["www-authenticate"] == "Bearer"


@pytest.fixture(scope="module")
def distributed(
    elasticsearch_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[tuple[str, str], str], dict[str, str]]]:
    unlimited = {f"JOBMATCH_{name.upper()}": value for name, value in UNLIMITED.items()}
    with distributed_services(
        tmp_path_factory.mktemp("matrix-distributed"),
        elasticsearch_url=elasticsearch_url,
        kafka_bootstrap=kafka_bootstrap,
        name="matrix",
        partitions=1,
        extra_env=unlimited,
    ) as (started, keys):
        where = {
            (method, route.path_format): started[name].url
            for name in started
            for route in api_routes(SERVICES[name])
            for method in route.methods or ()
        }
        yield where, keys


@pytest.mark.distributed
@pytest.mark.elasticsearch
@pytest.mark.kafka
@pytest.mark.parametrize(("route", "role"), CASES, ids=[f"{m} {p} {r}" for (m, p), r in CASES])
def test_role_matrix_distributed(
    distributed: tuple[dict[tuple[str, str], str], dict[str, str]], route: tuple[str, str], role: str | None
) -> None:
    where, keys = distributed
    request = dict(REQUESTS[route])
    url = where[route] + request.pop("url")
    answer = httpx.request(route[0], url, headers=headers_for(keys, role), timeout=30, **request)
    expect(answer.status_code, answer.json(), route, role)


# --- keys --------------------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path / "data")


def test_the_keys_file_holds_hashes_only_and_is_private(settings: Settings) -> None:
    keys = role_keys(settings)
    stored = settings.keys_path.read_text()
    # The secret part may itself hold "_": split off the prefix and the id only.
    assert not any(key in stored or key.split("_", 2)[2] in stored for key in keys.values())
    assert settings.keys_path.stat().st_mode & 0o777 == 0o600
    assert {record.role for record in read_keys(settings.keys_path).keys} == set(Role)


def test_a_revoked_key_stops_working_and_a_new_one_works_at_once(settings: Settings) -> None:
    hasher = api_key_hash(deployment_secret(settings))
    record, key = create_key(settings.keys_path, Role.KIOSK, hasher=hasher, label="hall 3")
    with TestClient(create_app(EMBEDDED, settings=settings), headers=bearer(key)) as client:
        assert client.get("/v1/postings/search").status_code == 200
        revoke_key(settings.keys_path, record.id)
        wait_for(lambda: client.get("/v1/postings/search").status_code == 401, timeout_s=5)


def test_one_credential_only(settings: Settings) -> None:
    keys = role_keys(settings)
    with TestClient(create_app(EMBEDDED, settings=settings)) as client:
        both = {"Authorization": f"Bearer {keys['kiosk']}", "X-API-Key": keys["kiosk"]}
        assert client.get("/v1/postings/search", headers=both).status_code == 401
        twice = [("authorization", f"Bearer {keys['kiosk']}"), ("authorization", "Bearer wrong")]
        assert client.get("/v1/postings/search", headers=httpx.Headers(twice)).status_code == 401
        assert client.get("/v1/postings/search", headers={"X-API-Key": keys["kiosk"]}).status_code == 200


def test_a_key_made_under_another_secret_is_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", secret_key="1" * 32)
    other = settings_for(tmp_path / "data", secret_key="2" * 32)
    _, key = create_key(settings.keys_path, Role.ADMIN, hasher=api_key_hash(deployment_secret(other)))
    with TestClient(create_app(EMBEDDED, settings=settings), headers=bearer(key)) as client:
        assert client.get("/v1/postings/search").status_code == 401


def test_a_short_or_empty_secret_is_refused(tmp_path: Path) -> None:
    for short in ("", "x" * 31):
        with pytest.raises(ValueError, match="at least 32"):
            settings_for(tmp_path / "data", secret_key=short)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret.key").write_text("")  # a file someone emptied
    with pytest.raises(MissingSecret):
        deployment_secret(settings_for(tmp_path / "data"))


def test_the_cli_makes_lists_and_revokes_keys_without_showing_them(tmp_path: Path) -> None:
    env = {**os.environ, "JOBMATCH_DATA_DIR": str(tmp_path / "data")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "services.cli", "keys", *args],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )

    refused = cli("create", "--role", "partner")
    assert refused.returncode == 2 and "source" in refused.stderr
    made = cli("create", "--role", "partner", "--source", "jiangsu", "--label", "江苏省厅")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("jm_")
    listed = cli("list")
    assert "partner" in listed.stdout and "jiangsu" in listed.stdout and "江苏省厅" in listed.stdout
    assert key not in listed.stdout and key.split("_", 2)[2] not in listed.stdout
    key_id = key.split("_")[1]
    assert cli("revoke", key_id).returncode == 0
    assert "revoked" in cli("list").stdout
    assert cli("revoke", "nosuchkey").returncode == 2


# --- sources, rates, open mode -----------------------------------------------------------------------


def test_a_partner_writes_and_deletes_only_under_its_own_sources(settings: Settings) -> None:
    keys = role_keys(settings)  # the partner key is bound to "test" and "e2e"
    with TestClient(create_app(EMBEDDED, settings=settings), headers=bearer(keys["partner"])) as partner:
        own = partner.post(
            "/v1/postings", json=[posting("1", "电工"), {**posting("2", "焊工"), "source": "test-zz"}]
        )
        assert own.status_code == 200 and own.json()["accepted"] == 2  # a code that extends "test" is its own
        mixed = partner.post(
            "/v1/postings", json=[posting("3", "电工"), {**posting("4", "焊工"), "source": "henan"}]
        )
        assert mixed.status_code == 403 and mixed.json()["error"]["code"] == "FORBIDDEN"
        assert mixed.json()["error"]["details"] == [{"index": 1, "source": "henan"}]
        assert partner.delete("/v1/postings/henan:1").status_code == 403
        assert partner.delete("/v1/seekers/testing:1").status_code == 403  # "testing" does not extend "test"
        assert partner.delete("/v1/postings/test:absent").status_code == 404
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        wait_for(lambda: partner.get("/v1/postings/test-zz:2", headers=admin).status_code == 200)
        # Nothing of the refused batch was published, not even its own-source record.
        assert partner.get("/v1/postings/test:3", headers=admin).status_code == 404


def test_a_partner_key_of_one_source_stamps_records_that_name_none(settings: Settings) -> None:
    keys = role_keys(settings)
    _, jiangsu = create_key(
        settings.keys_path,
        Role.PARTNER,
        hasher=api_key_hash(deployment_secret(settings)),
        sources=["jiangsu"],
    )
    with TestClient(create_app(EMBEDDED, settings=settings), headers=bearer(jiangsu)) as partner:
        unnamed = {key: value for key, value in posting("7", "电工").items() if key != "source"}
        pushed = partner.post("/v1/postings", json=[unnamed, {**posting("8", "焊工"), "source": ""}])
        assert pushed.status_code == 200, pushed.text
        assert [result["id"] for result in pushed.json()["results"]] == ["jiangsu:7", "jiangsu:8"]
        assert partner.post("/v1/postings", json=[posting("9", "电工")]).status_code == 403  # names "test"
        admin = bearer(keys["admin"])
        wait_for(lambda: partner.get("/v1/postings/jiangsu:8", headers=admin).status_code == 200)
    # A key of several sources stamps nothing: the record must say which (it is rejected without one).
    with TestClient(create_app(EMBEDDED, settings=settings), headers=bearer(keys["partner"])) as partner:
        rejected = partner.post("/v1/postings", json=[unnamed])
        assert rejected.json()["rejected"] == 1


def test_a_mobile_key_is_bound_to_sources_and_reads_only_their_seekers(settings: Settings) -> None:
    hasher = api_key_hash(deployment_secret(settings))
    with pytest.raises(ValueError, match="source"):
        create_key(settings.keys_path, Role.MOBILE, hasher=hasher)
    _, key = create_key(settings.keys_path, Role.MOBILE, hasher=hasher, sources=["test"])
    with TestClient(create_app(EMBEDDED, settings=settings), headers=bearer(key)) as mobile:
        assert mobile.get("/v1/seekers/henan:1/matches").status_code == 403
        assert mobile.get("/v1/seekers/test:1/matches").status_code == 404


def test_over_its_rate_a_key_gets_429_with_retry_after_and_other_keys_do_not(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", rate_limit_kiosk="3/minute")
    keys = role_keys(settings)
    hasher = api_key_hash(deployment_secret(settings))
    _, other = create_key(settings.keys_path, Role.KIOSK, hasher=hasher)
    with TestClient(create_app(EMBEDDED, settings=settings)) as client:
        statuses = [
            client.get("/v1/postings/search", headers=bearer(keys["kiosk"])).status_code for _ in range(3)
        ]
        assert statuses == [200, 200, 200]
        limited = client.get("/v1/postings/search", headers=bearer(keys["kiosk"]))
        assert limited.status_code == 429 and limited.json()["error"]["code"] == "RATE_LIMITED"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert client.get("/v1/postings/search", headers=bearer(other)).status_code == 200
        assert client.get("/healthz").status_code == 200  # probes are not rate-limited


def test_a_key_may_carry_its_own_rate(settings: Settings) -> None:
    hasher = api_key_hash(deployment_secret(settings))
    _, key = create_key(settings.keys_path, Role.KIOSK, hasher=hasher, rate="2/minute")
    with TestClient(create_app(EMBEDDED, settings=settings), headers=bearer(key)) as client:
        assert [client.get("/v1/postings/search").status_code for _ in range(3)] == [200, 200, 429]


def test_open_mode_gives_kiosk_rights_without_a_key_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path / "data", open_mode=True)
    keys = role_keys(settings)
    with caplog.at_level(logging.WARNING), TestClient(create_app(EMBEDDED, settings=settings)) as client:
        assert client.get("/v1/postings/search").status_code == 200
        assert client.post("/v1/match", json={"desired_titles": ["电工"]}).status_code == 200
        assert client.post("/v1/postings", json=[posting("1", "电工")]).status_code == 403
        assert client.get("/v1/seekers/search").status_code == 403
        assert client.get("/v1/postings/search", headers={"X-API-Key": "not a key"}).status_code == 401
        assert client.get("/v1/seekers/search", headers=bearer(keys["staff"])).status_code == 200
        ready = client.get("/readyz").json()
        assert ready["open_mode"] is True and ready["warnings"]
    assert any("OPEN MODE" in record.getMessage() for record in caplog.records)


def test_open_mode_is_off_by_default(settings: Settings) -> None:
    with TestClient(create_app(EMBEDDED, settings=settings)) as client:
        assert client.get("/v1/postings/search").status_code == 401
        assert client.get("/readyz").json()["open_mode"] is False


def test_a_cached_answer_is_never_served_to_a_role_the_route_refuses(settings: Settings) -> None:
    keys = role_keys(settings)
    with TestClient(create_app(EMBEDDED, settings=settings)) as client:
        for _ in range(2):
            kiosk = client.get("/v1/postings/search", params={"q": "电工"}, headers=bearer(keys["kiosk"]))
        assert kiosk.headers["x-cache"] == "hit"
        partner = client.get("/v1/postings/search", params={"q": "电工"}, headers=bearer(keys["partner"]))
        assert partner.status_code == 403


# --- input limits ----------------------------------------------------------------------------------


def test_each_input_limit_is_a_setting_with_its_own_code_and_is_in_the_document(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path / "data", max_query_chars=20, max_query_terms=3, max_page_size=50, max_result_window=200
    )
    keys = role_keys(settings)
    with TestClient(create_app(EMBEDDED, settings=settings), headers=bearer(keys["kiosk"])) as client:
        cases = {
            "q=" + "电" * 21: "QUERY_TOO_LONG",
            "q=电工 焊工 司机 厨师": "TOO_MANY_TERMS",
            "size=51": "PAGE_SIZE_TOO_LARGE",
            "page=5&size=50": "PAGE_TOO_DEEP",
        }
        for query, code in cases.items():
            for path in ("/v1/postings/search", "/v1/seekers/search"):
                key = keys["kiosk"] if path.startswith("/v1/postings") else keys["staff"]
                answer = client.get(f"{path}?{query}", headers=bearer(key))
                assert (answer.status_code, answer.json()["error"]["code"]) == (400, code), (path, query)
        assert client.get("/v1/postings/search?q=电工 焊工 司机&size=50&page=4").status_code == 200
        parameters = {
            p["name"]: p
            for p in client.get("/openapi.json").json()["paths"]["/v1/postings/search"]["get"]["parameters"]
        }
    assert parameters["q"]["schema"]["anyOf"][0]["maxLength"] == 20
    assert parameters["size"]["schema"]["maximum"] == 50
    assert "3 terms" in parameters["q"]["description"]


def test_the_batch_and_body_limits_have_their_codes_and_are_in_the_document(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", max_batch_records=2, max_body_bytes=4096)
    keys = role_keys(settings)
    with TestClient(create_app(EMBEDDED, settings=settings), headers=bearer(keys["partner"])) as client:
        answer = client.post("/v1/postings", json=[posting(str(n), "电工") for n in range(3)])
        assert (answer.status_code, answer.json()["error"]["code"]) == (400, "BATCH_TOO_LARGE")
        assert answer.json()["error"]["details"] == [{"limit": 2}]
        big = client.post("/v1/postings", json=[posting("1", "电工", description="电" * 5000)])
        assert (big.status_code, big.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
        body = client.get("/openapi.json").json()["paths"]["/v1/postings"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["anyOf"][0]["maxItems"] == 2
    assert "4096 bytes" in body["description"] and "2 records" in body["description"]


def test_the_access_log_names_the_route_and_the_key_never_the_query(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path / "data", access_log=True)
    keys = role_keys(settings)
    key_id = keys["kiosk"].split("_")[1]
    with caplog.at_level(logging.INFO), TestClient(create_app(EMBEDDED, settings=settings)) as client:
        client.get("/v1/postings/search", params={"q": "13812345678"}, headers=bearer(keys["kiosk"]))
        client.get("/v1/postings/410105199001011234", headers=bearer(keys["kiosk"]))
    access = [record for record in caplog.records if record.name == "jobmatch.access"]
    assert len(access) == 2
    assert {record.getMessage() for record in access} == {
        "GET /v1/postings/search 200",
        "GET /v1/postings/{posting_id} 404",
    }
    assert all(getattr(record, "key_id", None) == key_id for record in access)
    # Every server-side record (the test's own HTTP client logs its requests: not the service's log).
    served = [record for record in caplog.records if not record.name.startswith("httpx")]
    everything = "\n".join(f"{record.getMessage()} {vars(record)}" for record in served)
    assert "13812345678" not in everything and "410105199001011234" not in everything
    assert keys["kiosk"] not in everything
