"""Two instances exchange for real (issue 9 §3): B pulls A's partner feeds through its ``jobmatch_feed``
connector and ends with A's open postings and only A's consenting seekers, without their personal data; it
follows A's edits, deletions and a withdrawn consent; then A pulls B's feeds and nothing echoes back.

Each instance is a real server on 127.0.0.1 with its own data, secret and keys; each holds a partner key the
other issued to it, bound to its own source code. Embedded: both on tantivy and SQLite. Distributed: A as the
three services on Elasticsearch and Kafka, B embedded.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from shared.domain.id_number import mask_id_number
from shared.security.keys import create_key
from shared.security.roles import Role
from shared.security.secret import api_key_hash, deployment_secret, id_number_hash
from shared.settings import Settings
from tests.connector_helpers import sync
from tests.helpers import Service, bearer, distributed_services, free_port, posting, role_keys, wait_for
from tests.test_feeds import PEOPLE, id_number, seeker

A_SOURCE = "henan-rsj"
"""A's own records: what the key A holds from B is bound to."""
RELAYED = "hubei-rst"
"""Records A holds from a third province (pushed to it): A passes them on, and gets them back from B."""
B_SOURCE = "jiangsu-rst"
"""B's own records: what the key B holds from A is bound to."""
TIMEOUT_S = 60.0
RATES = {
    f"JOBMATCH_RATE_LIMIT_{role.upper()}": "10000/second" for role in ("partner", "staff", "admin", "kiosk")
}
FOURTH = {"name": "赵德柱", "phone": "13733334444", "id_number": id_number("42010619920808456")}


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


@dataclass
class Instance:
    """One jobmatch deployment as its operators and partners see it: addresses, keys, and its data directory."""

    name: str
    ingest_url: str
    search_url: str
    keys: dict[str, str]
    data_dir: Path
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, role: str, *, search: bool = False, key: str | None = None) -> httpx.Client:
        made = httpx.Client(
            base_url=self.search_url if search else self.ingest_url,
            headers=bearer(key or self.keys[role]),
            timeout=30,
        )
        self.clients.append(made)
        return made

    def push(self, kind: str, records: list[dict[str, Any]]) -> None:
        answer = self.client("admin").post(f"/v1/{kind}", json=records)
        assert answer.status_code == 200, answer.text
        assert answer.json()["accepted"] == len(records), answer.text

    def delete(self, kind: str, record_id: str) -> None:
        answer = self.client("admin").delete(f"/v1/{kind}/{record_id}")
        # 404: not indexed yet; the tombstone of a source:source_id is written either way.
        assert answer.status_code in (202, 404), answer.text

    def close(self) -> None:
        for made in self.clients:
            made.close()


@dataclass(frozen=True)
class Identity:
    """An instance's secret, its own keys, and the partner key it issues to the other instance."""

    settings: Settings
    keys: dict[str, str]
    issued: str


def identity(data_dir: Path, *, partner_source: str) -> Identity:
    secret = uuid.uuid4().hex + uuid.uuid4().hex
    settings = Settings(data_dir=data_dir, secret_key=secret, environment="test")
    keys = role_keys(settings)
    _, issued = create_key(
        settings.keys_path,
        Role.PARTNER,
        hasher=api_key_hash(deployment_secret(settings)),
        sources=[partner_source],
        label=f"partner instance ({partner_source})",
    )
    return Identity(settings, keys, issued)


def feed_sources(path: Path, url: str, key_env: str, kinds: tuple[str, ...], *, name: str) -> Path:
    """The other instance's feeds as ``jobmatch_feed`` sources (small pages, so a sync walks several)."""
    sources = [
        {
            "name": f"{name}-{kind}",
            "type": "jobmatch_feed",
            "kind": kind,
            "url": url,
            "key_env": key_env,
            "limit": 3,
            "interval_s": None,
            "rate_limit": "100/second",
            "retry": {"attempts": 3, "initial_s": 0.1, "max_s": 0.5},
        }
        for kind in kinds
    ]
    path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return path


def instance_env(ident: Identity, sources: Path, key_env: str, key: str) -> dict[str, str]:
    return {
        **os.environ,
        "JOBMATCH_ENVIRONMENT": "test",
        "JOBMATCH_DATA_DIR": str(ident.settings.data_dir),
        "JOBMATCH_SECRET_KEY": ident.settings.secret_key.get_secret_value(),  # type: ignore[union-attr]
        "JOBMATCH_SOURCES_FILE": str(sources),
        "JOBMATCH_WORKERS": "1",
        key_env: key,
        **RATES,
    }


@contextmanager
def embedded(
    name: str, env: dict[str, str], log_dir: Path, port: int, keys: dict[str, str]
) -> Iterator[Instance]:
    log_dir.mkdir(parents=True, exist_ok=True)
    service = Service("embedded", env, log_dir, port=port)
    instance = Instance(name, service.url, service.url, keys, Path(env["JOBMATCH_DATA_DIR"]))
    try:
        wait_for(service.ready, timeout_s=90, interval_s=0.3)
        yield instance
    finally:
        instance.close()
        assert service.stop() == "clean", service.log_path.read_text()[-3000:]


# --- reading feeds ------------------------------------------------------------------------------------


def feed_items(client: httpx.Client, kind: str, since: str | None = None) -> tuple[list[dict], str]:
    """Every item from ``since`` to the feed's end, and the cursor to poll from afterwards."""
    items: list[dict] = []
    for _ in range(1000):
        params: dict[str, Any] = {"limit": 500}
        if since is not None:
            params["since"] = since
        answer = client.get(f"/v1/feeds/{kind}", params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        if since is not None and body["next"] == since:
            return items, since
        items.extend(body["items"])
        since = body["next"]
    raise AssertionError("the feed never ended")


def feed_state(client: httpx.Client, kind: str, *, ids: set[str] | None = None) -> dict[str, tuple]:
    """Each record's last item, as (op, status, version): what a partner keeps."""
    state: dict[str, tuple] = {}
    for item in feed_items(client, kind)[0]:
        if ids is None or item["id"] in ids:
            state[item["id"]] = (item["op"], item["status"], item["version"])
    return state


def searchable(instance: Instance) -> set[str]:
    answer = instance.client("kiosk", search=True).get("/v1/postings/search", params={"size": 100})
    assert answer.status_code == 200, answer.text
    return {hit["id"] for hit in answer.json()["hits"]}


def posting_view(instance: Instance, record_id: str) -> httpx.Response:
    return instance.client("kiosk", search=True).get(f"/v1/postings/{record_id}")


# --- the records --------------------------------------------------------------------------------------


def a_postings() -> list[dict[str, Any]]:
    return [
        posting("p1", "维修电工", source=A_SOURCE, updated_at=ago(90)),
        posting("p2", "叉车司机", source=A_SOURCE, updated_at=ago(90)),
        posting("p3", "仓库管理员", source=A_SOURCE, status="closed", updated_at=ago(90)),
        posting(
            "p4",
            "电工学徒",
            source=A_SOURCE,
            posted_at="2020-01-01T00:00:00+08:00",
            expires_at="2020-01-31T00:00:00+08:00",
            updated_at="2020-01-01T00:00:00+08:00",
        ),
        posting("p5", "包装工", source=A_SOURCE, updated_at=ago(90)),
        posting("p6", "电子厂普工", source=A_SOURCE, description="限男性，包吃住。", updated_at=ago(90)),
        posting("h1", "电焊工", source=RELAYED, location="湖北省武汉市江夏区", updated_at=ago(80)),
    ]


A_POSTING_IDS = {f"{A_SOURCE}:p{n}" for n in range(1, 7)} | {f"{RELAYED}:h1"}


def a_seekers() -> list[dict[str, Any]]:
    return [
        seeker("s1", PEOPLE[0], consent=True, source=A_SOURCE, updated_at=ago(90)),
        seeker("s2", PEOPLE[1], consent=False, source=A_SOURCE, updated_at=ago(90)),
        seeker("s3", PEOPLE[2], consent=True, source=A_SOURCE, updated_at=ago(90)),
        seeker("hs1", FOURTH, consent=True, source=RELAYED, region_code="420115", updated_at=ago(80)),
    ]


A_SEEKER_IDS = {f"{A_SOURCE}:s{n}" for n in range(1, 4)} | {f"{RELAYED}:hs1"}
A_PEOPLE = [*PEOPLE, FOURTH]


def b_postings() -> list[dict[str, Any]]:
    return [posting("j1", "数控车工", source=B_SOURCE, location="江苏省苏州市吴中区", updated_at=ago(70))]


def b_seekers() -> list[dict[str, Any]]:
    person = {"name": "钱小红", "phone": "13855556666", "id_number": id_number("32050619950101234")}
    return [seeker("t1", person, consent=True, source=B_SOURCE, region_code="320506", updated_at=ago(70))]


# --- what B holds of A's seekers ----------------------------------------------------------------------


def sqlite_bytes(data_dir: Path) -> bytes:
    """The SQLite files of a data directory (event log, state, audit, with their WAL): stored as written."""
    return b"".join(path.read_bytes() for path in sorted(data_dir.glob("*.sqlite3*")))


def logged_seekers(data_dir: Path) -> list[dict[str, Any]]:
    """The seeker records in an embedded instance's event log (what its index was built from)."""
    import orjson

    with sqlite3.connect(f"file:{data_dir / 'events.sqlite3'}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT value FROM events WHERE topic = 'seekers'").fetchall()
    return [orjson.loads(value) for (value,) in rows if value]


def assert_no_personal_data_of_a(b: Instance, a_secret: str) -> None:
    hashes = id_number_hash(a_secret.encode())
    for record_id in (f"{A_SOURCE}:s1", f"{A_SOURCE}:s3", f"{RELAYED}:hs1"):
        view = b.client("admin", search=True).get(f"/v1/seekers/{record_id}")
        assert view.status_code == 200, view.text
        shown = view.json()
        assert (shown["name"], shown["phone"], shown["id_number"], shown["work_history"]) == (
            None,
            None,
            None,
            "",
        )
        assert shown["consent_share_with_partners"] is True and shown["desired_titles"] == ["电工", "维修工"]
    records = [r for r in logged_seekers(b.data_dir) if r.get("source") in (A_SOURCE, RELAYED)]
    assert records, "B's log holds A's consenting seekers"
    for record in records:
        assert {
            k: record.get(k) for k in ("name", "phone", "id_number_hash", "id_number_masked")
        } == dict.fromkeys(("name", "phone", "id_number_hash", "id_number_masked")), record
    stored = sqlite_bytes(b.data_dir)
    for person in A_PEOPLE:
        for value in (
            person["name"],
            person["phone"],
            person["id_number"],
            mask_id_number(person["id_number"]),
            hashes.hexdigest(person["id_number"]),
        ):
            assert value.encode() not in stored, f"{value} reached B"


# --- the scenario -------------------------------------------------------------------------------------


@dataclass
class Pair:
    a: Instance
    b: Instance
    a_secret: str
    a_key_for_b: str
    b_key_for_a: str
    kinds: tuple[str, ...]


def wait_until_a_offers(
    pair: Pair, kind: str, expected: dict[str, tuple[str, str | None]]
) -> dict[str, tuple]:
    """A's feed, as B's key reads it, once it shows each id at the (op, status) expected."""
    reader = pair.a.client("partner", search=True, key=pair.a_key_for_b)

    def offered() -> dict[str, tuple] | None:
        state = feed_state(reader, kind)
        return state if {key: value[:2] for key, value in state.items()} == expected else None

    found: dict[str, tuple] = wait_for(offered, timeout_s=TIMEOUT_S, interval_s=0.3)
    return found


def wait_until_b_holds(pair: Pair, kind: str, offered: dict[str, tuple]) -> dict[str, tuple]:
    """B's own feed (read as its admin: every source) once A's ids stand in it at A's versions."""
    reader = pair.b.client("admin", search=True)

    def held() -> dict[str, tuple] | None:
        state = feed_state(reader, kind, ids=set(offered))
        ops_and_versions = {key: (value[0], value[2]) for key, value in state.items()}
        return state if ops_and_versions == {key: (v[0], v[2]) for key, v in offered.items()} else None

    found: dict[str, tuple] = wait_for(held, timeout_s=TIMEOUT_S, interval_s=0.3)
    return found


def run_scenario(pair: Pair) -> None:
    a, b = pair.a, pair.b
    b_staff = b.client("staff")
    a.push("postings", a_postings())
    a.delete("postings", f"{A_SOURCE}:p5")
    b.push("postings", b_postings())
    if "seekers" in pair.kinds:
        a.push("seekers", a_seekers())
        b.push("seekers", b_seekers())

    # 1. B pulls A: A's open postings become searchable at B, the closed and expired ones are held but not
    # listed, the deleted one is absent.
    offered = wait_until_a_offers(
        pair,
        "postings",
        {
            f"{A_SOURCE}:p1": ("upsert", "open"),
            f"{A_SOURCE}:p2": ("upsert", "open"),
            f"{A_SOURCE}:p3": ("upsert", "closed"),
            f"{A_SOURCE}:p4": ("upsert", "expired"),
            f"{A_SOURCE}:p5": ("delete", None),
            f"{A_SOURCE}:p6": ("upsert", "open"),
            f"{RELAYED}:h1": ("upsert", "open"),
        },
    )
    state = sync(b_staff, "from-a-postings")
    assert state["last_run"]["outcome"] == "succeeded", state
    counts = state["last_run"]["counts"]
    assert (counts["accepted"], counts["deleted"], counts["rejected"]) == (6, 1, 0), counts
    assert counts["pages"] >= 2  # pages of 3: the cursor carried the run across pages
    held = wait_until_b_holds(pair, "postings", offered)
    assert held == offered  # every id at A's version and status, the deletion at A's deletion version
    # p6 is flagged (限男性) but not yet decided on: served, and shared, like any other.
    a_open = {f"{A_SOURCE}:p1", f"{A_SOURCE}:p2", f"{A_SOURCE}:p6", f"{RELAYED}:h1"}
    assert searchable(b) == a_open | {f"{B_SOURCE}:j1"}
    for record_id in a_open | {f"{A_SOURCE}:p3"}:
        assert posting_view(b, record_id).json() == posting_view(a, record_id).json(), record_id
    assert posting_view(b, f"{A_SOURCE}:p5").status_code == 404

    if "seekers" in pair.kinds:
        seekers_offered = wait_until_a_offers(
            pair,
            "seekers",
            {
                f"{A_SOURCE}:s1": ("upsert", "seeking"),
                f"{A_SOURCE}:s2": ("delete", None),
                f"{A_SOURCE}:s3": ("upsert", "seeking"),
                f"{RELAYED}:hs1": ("upsert", "seeking"),
            },
        )
        state = sync(b_staff, "from-a-seekers")
        counts = state["last_run"]["counts"]
        assert (state["last_run"]["outcome"], counts["accepted"], counts["rejected"]) == ("succeeded", 3, 0)
        wait_until_b_holds(pair, "seekers", seekers_offered)
        assert b.client("admin", search=True).get(f"/v1/seekers/{A_SOURCE}:s2").status_code == 404
        found = b.client("staff", search=True).get("/v1/seekers/search", params={"size": 100}).json()["hits"]
        assert {hit["id"] for hit in found} == {
            f"{A_SOURCE}:s1",
            f"{A_SOURCE}:s3",
            f"{RELAYED}:hs1",
            f"{B_SOURCE}:t1",
        }
        assert_no_personal_data_of_a(b, pair.a_secret)

    # 2. A changes: a posting edited, one deleted, one hidden by A's staff upholding its flag, a seeker's
    # consent withdrawn; B follows.
    edited = posting("p1", "高级维修电工", source=A_SOURCE, salary="7000-9000元/月", updated_at=ago(30))
    a.push("postings", [edited])
    a.delete("postings", f"{A_SOURCE}:p2")
    upheld = a.client("staff", search=True).post(
        f"/v1/review/flags/{A_SOURCE}:p6/decision", json={"decision": "upheld", "note": "性别限制"}
    )
    assert (upheld.status_code, upheld.json()["review"]) == (200, "upheld"), upheld.text
    offered = wait_until_a_offers(
        pair,
        "postings",
        {
            f"{A_SOURCE}:p1": ("upsert", "open"),
            f"{A_SOURCE}:p2": ("delete", None),
            f"{A_SOURCE}:p3": ("upsert", "closed"),
            f"{A_SOURCE}:p4": ("upsert", "expired"),
            f"{A_SOURCE}:p5": ("delete", None),
            f"{A_SOURCE}:p6": ("delete", None),
            f"{RELAYED}:h1": ("upsert", "open"),
        },
    )
    state = sync(b_staff, "from-a-postings")
    counts = state["last_run"]["counts"]
    assert (counts["fetched"], counts["accepted"], counts["deleted"]) == (3, 1, 2), counts  # only the changes
    assert wait_until_b_holds(pair, "postings", offered) == offered
    assert searchable(b) == {f"{A_SOURCE}:p1", f"{RELAYED}:h1", f"{B_SOURCE}:j1"}
    assert posting_view(b, f"{A_SOURCE}:p1").json()["title"] == "高级维修电工"
    assert posting_view(b, f"{A_SOURCE}:p1").json() == posting_view(a, f"{A_SOURCE}:p1").json()
    assert posting_view(b, f"{A_SOURCE}:p2").status_code == 404
    assert posting_view(b, f"{A_SOURCE}:p6").status_code == 404  # hidden at A: withdrawn from B too

    if "seekers" in pair.kinds:
        a.push("seekers", [seeker("s1", PEOPLE[0], consent=False, source=A_SOURCE, updated_at=ago(30))])
        seekers_offered = wait_until_a_offers(
            pair,
            "seekers",
            {
                f"{A_SOURCE}:s1": ("delete", None),
                f"{A_SOURCE}:s2": ("delete", None),
                f"{A_SOURCE}:s3": ("upsert", "seeking"),
                f"{RELAYED}:hs1": ("upsert", "seeking"),
            },
        )
        state = sync(b_staff, "from-a-seekers")
        assert (state["last_run"]["counts"]["fetched"], state["last_run"]["counts"]["deleted"]) == (1, 1)
        wait_until_b_holds(pair, "seekers", seekers_offered)
        wait_for(
            lambda: b.client("admin", search=True).get(f"/v1/seekers/{A_SOURCE}:s1").status_code == 404,
            timeout_s=TIMEOUT_S,
        )
        # The withdrawn profile is gone from B's log too (the tombstone clears the values before it).
        assert not [
            r for r in logged_seekers(b.data_dir) if (r.get("source"), r.get("source_id")) == (A_SOURCE, "s1")
        ]

    # 3. B exposes its feeds and A pulls them: A gains B's own records and nothing else: what it relayed
    # comes back at the version it has (counted unchanged), and its own records are not offered to it.
    a_admin_feed = a.client("admin", search=True)
    before = {kind: feed_items(a_admin_feed, kind) for kind in pair.kinds}
    a_staff = a.client("staff")
    pulled = sync(a_staff, "from-b-postings")
    counts = pulled["last_run"]["counts"]
    assert pulled["last_run"]["outcome"] == "succeeded", pulled
    # B offers A its own j1 and the relayed h1; never A's own records (the key is bound to A's source).
    assert (counts["fetched"], counts["accepted"], counts["unchanged"], counts["deleted"]) == (2, 1, 1, 0)
    expected_new = {"postings": {f"{B_SOURCE}:j1"}, "seekers": {f"{B_SOURCE}:t1"}}
    if "seekers" in pair.kinds:
        pulled = sync(a_staff, "from-b-seekers")
        counts = pulled["last_run"]["counts"]
        assert (counts["fetched"], counts["accepted"], counts["unchanged"], counts["deleted"]) == (2, 1, 1, 0)
    for kind in pair.kinds:
        items, cursor = before[kind]

        def gained(kind: str = kind, cursor: str = cursor) -> list[dict] | None:
            new = feed_items(a_admin_feed, kind, since=cursor)[0]
            return new if {item["id"] for item in new} >= expected_new[kind] else None

        # A's log gained B's own records only: nothing of A's or of what it relayed came back as a change.
        assert {item["id"] for item in wait_for(gained, timeout_s=TIMEOUT_S)} == expected_new[kind]
        after = {item["id"]: item for item in feed_items(a_admin_feed, kind)[0]}
        assert {key: item for key, item in after.items() if key not in expected_new[kind]} == {
            item["id"]: item for item in items
        }
    assert searchable(a) == {f"{A_SOURCE}:p1", f"{RELAYED}:h1", f"{B_SOURCE}:j1"}

    # And B, pulling A once more, is offered nothing: B's own j1 now at A is left out for B's key.
    again = sync(b_staff, "from-a-postings")
    assert again["last_run"]["counts"]["fetched"] == 0, again


@pytest.mark.parametrize("backends", [pytest.param("tantivy-sqlite", id="tantivy-sqlite")])
def test_two_embedded_instances_exchange_postings_and_consenting_seekers(
    backends: str, tmp_path: Path
) -> None:
    """``backends``: both instances' (named for the per-backend test counts)."""
    a_id = identity(tmp_path / "a" / "data", partner_source=B_SOURCE)
    b_id = identity(tmp_path / "b" / "data", partner_source=A_SOURCE)
    a_port, b_port = free_port(), free_port()
    kinds = ("postings", "seekers")
    a_sources = feed_sources(
        tmp_path / "a" / "sources.yaml",
        f"http://127.0.0.1:{b_port}",
        "JOBMATCH_TEST_KEY_FROM_B",
        kinds,
        name="from-b",
    )
    b_sources = feed_sources(
        tmp_path / "b" / "sources.yaml",
        f"http://127.0.0.1:{a_port}",
        "JOBMATCH_TEST_KEY_FROM_A",
        kinds,
        name="from-a",
    )
    with ExitStack() as stack:
        a = stack.enter_context(
            embedded(
                "a",
                instance_env(a_id, a_sources, "JOBMATCH_TEST_KEY_FROM_B", b_id.issued),
                tmp_path / "a",
                a_port,
                a_id.keys,
            )
        )
        b = stack.enter_context(
            embedded(
                "b",
                instance_env(b_id, b_sources, "JOBMATCH_TEST_KEY_FROM_A", a_id.issued),
                tmp_path / "b",
                b_port,
                b_id.keys,
            )
        )
        secret = a_id.settings.secret_key.get_secret_value()  # type: ignore[union-attr]
        run_scenario(Pair(a, b, secret, a_id.issued, b_id.issued, kinds))


@pytest.mark.distributed
@pytest.mark.elasticsearch
@pytest.mark.kafka
def test_a_distributed_instance_and_an_embedded_one_exchange_postings(
    elasticsearch_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    a_id = identity(tmp_path / "a" / "data", partner_source=B_SOURCE)
    b_id = identity(tmp_path / "b" / "data", partner_source=A_SOURCE)
    b_port = free_port()
    kinds = ("postings",)
    a_sources = feed_sources(
        tmp_path / "a" / "sources.yaml",
        f"http://127.0.0.1:{b_port}",
        "JOBMATCH_TEST_KEY_FROM_B",
        kinds,
        name="from-b",
    )
    secret = a_id.settings.secret_key.get_secret_value()  # type: ignore[union-attr]
    with distributed_services(
        tmp_path / "a",
        elasticsearch_url=elasticsearch_url,
        kafka_bootstrap=kafka_bootstrap,
        name="exchange",
        partitions=3,
        extra_env={
            "JOBMATCH_SECRET_KEY": secret,
            "JOBMATCH_SOURCES_FILE": str(a_sources),
            "JOBMATCH_TEST_KEY_FROM_B": b_id.issued,
            **RATES,
        },
    ) as (services, keys):
        a = Instance("a", services["ingest"].url, services["search"].url, keys, a_id.settings.data_dir)
        b_sources = feed_sources(
            tmp_path / "b" / "sources.yaml",
            services["search"].url,
            "JOBMATCH_TEST_KEY_FROM_A",
            kinds,
            name="from-a",
        )
        try:
            with embedded(
                "b",
                instance_env(b_id, b_sources, "JOBMATCH_TEST_KEY_FROM_A", a_id.issued),
                tmp_path / "b",
                b_port,
                b_id.keys,
            ) as b:
                run_scenario(Pair(a, b, secret, a_id.issued, b_id.issued, kinds))
        finally:
            a.close()
