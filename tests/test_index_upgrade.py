"""An index kept from an earlier release still answers after an upgrade in place, on both index backends.

The previous release (234401d) wrote postings with fewer index fields: its schema is written out below, so
these tests build what it left on disk (or in Elasticsearch) and open it with this release's code.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tantivy
from elasticsearch import Elasticsearch

from services.embedded import EMBEDDED
from services.ingest.batch import check_record
from services.matcher.matching import match_postings
from services.matcher.scoring import Profile
from services.search.consumer import apply_events
from services.search.query import PostingSearch, build_posting_request
from shared.adapters.es_index import ElasticsearchIndex, MappingConflict, ensure_mapping
from shared.adapters.es_reindex import main as reindex_main
from shared.adapters.tantivy_index import TantivyIndex, tantivy_schema
from shared.adapters.tantivy_upgrade import IndexSchemaMismatch, schema_on_disk
from shared.domain.records import PostingRecord, SeekerRecord
from shared.index.documents import DUPLICATE, posting_doc, seeker_doc
from shared.index.fields import POSTINGS, SEEKERS, PostingField, SeekerField
from shared.index.rebuild import rebuilt_posting
from shared.ports.event_log import TOPIC_POSTINGS, Event
from shared.ports.search_index import Exists, IndexDoc, IndexSchema, SearchIndex, Terms
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.helpers import ROOT, keyed_client, posting, stored_posting, wait_for

# What 234401d's shared/index/fields.py declared.
PREVIOUS_POSTINGS = IndexSchema(
    "postings",
    {
        "title": "text",
        "body": "text",
        "place": "text",
        "region_path": "keyword",
        "region_code": "keyword",
        "city_code": "keyword",
        "target_provinces": "keyword",
        "job_type": "keyword",
        "education_min": "keyword",
        "education_rank": "int",
        "programmes": "keyword",
        "status": "keyword",
        "source": "keyword",
        "salary_top": "int",
        "salary_bottom": "int",
        "posted_at": "date",
        "expires_at": "date",
    },
)
PREVIOUS_SEEKERS = IndexSchema(
    "seekers",
    {
        "title": "text",
        "body": "text",
        "region_path": "keyword",
        "desired_region_path": "keyword",
        "city_code": "keyword",
        "groups": "keyword",
        "education": "keyword",
        "education_rank": "int",
        "status": "keyword",
        "consent": "keyword",
        "source": "keyword",
        "expected_salary_min": "int",
        "updated_at": "date",
    },
)
# What the previous release's posting record and index source did not have.
_NEWER_KEYS = ("flags", "review", "duplicate_of")
PAIRS = Path(__file__).parent / "data" / "dedup_pairs.jsonl"
RECEIVED_AT = datetime.now(UTC)


def record_of(raw: dict[str, Any]) -> PostingRecord:
    record, outcome = check_record("postings", raw, received_at=RECEIVED_AT)
    assert isinstance(record, PostingRecord), outcome
    return record


def previous_release_doc(record: PostingRecord) -> IndexDoc:
    """The document the previous release wrote for ``record``: its fields, and no flags, review or link."""
    doc = posting_doc(record)
    fields = {name: value for name, value in doc.fields.items() if name in PREVIOUS_POSTINGS.fields}
    source = {key: value for key, value in doc.source.items() if key not in _NEWER_KEYS}
    return IndexDoc(doc.id, doc.version, fields, source)


def dedup_pair(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A labelled duplicate pair: a posting and the same vacancy from another source."""
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        if pair["id"] == name:
            assert pair["duplicate"]
            return pair["a"], pair["b"]
    raise AssertionError(name)


DUPLICATED, DUPLICATE_COPY = dedup_pair("13-reworded_title_other_pay")
OLD_RECORDS = [
    record_of(posting("forklift", "叉车司机", description="持叉车证，两班倒。")),
    record_of(posting("welder", "电焊工", description="持焊工证，包吃住。", location="洛阳市")),
    record_of(posting("closed", "仓库管理员", status="closed")),
    record_of(DUPLICATED),
]


def seeker_of(raw: dict[str, Any]) -> SeekerRecord:
    record, outcome = check_record("seekers", raw, received_at=RECEIVED_AT)
    assert isinstance(record, SeekerRecord), outcome
    return record


SEEKER = seeker_of(
    {
        "source": "test",
        "source_id": "s1",
        "name": "张三",
        "desired_titles": ["叉车司机"],
        "location": "郑州市",
    }
)


def write_previous_release_index(path: Path, schema: IndexSchema, docs: list[IndexDoc]) -> None:
    index = TantivyIndex(schema, path)
    index.upsert(docs)
    index.close()
    del index
    gc.collect()  # releases tantivy's writer lock


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f"{path.name}."))


def test_previous_release_schemas() -> None:
    """What changed since the previous release: fields added to postings (duplicates, review, headcount,
    the gate's requirements), and to seekers the person's hash (the supply-demand figures count each
    person once): both indexes are rebuilt at open."""
    assert SEEKERS.fields.items() >= PREVIOUS_SEEKERS.fields.items()
    assert sorted(SEEKERS.fields.keys() - PREVIOUS_SEEKERS.fields.keys()) == [SeekerField.PERSON]
    assert POSTINGS.fields.items() >= PREVIOUS_POSTINGS.fields.items()
    assert sorted(POSTINGS.fields.keys() - PREVIOUS_POSTINGS.fields.keys()) == sorted(
        [
            PostingField.DEDUP_BANDS,
            PostingField.DUPLICATE_OF,
            PostingField.FLAGS,
            PostingField.REVIEW,
            PostingField.REVIEW_REGION_PATH,
            PostingField.REVIEW_SOURCE,
            PostingField.REVIEW_UPDATED_AT,
            PostingField.VACANCIES,
            # The requirements gate filters on them in the index (services/matcher/gate.py).
            PostingField.CERTIFICATES,
            PostingField.EXPERIENCE_MIN,
        ]
    )


# --- tantivy ------------------------------------------------------------------------------------


def test_documents_without_derived_values_are_searched_matched_and_shown(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    record = stored_posting("old", "叉车司机", received_at=datetime.now(UTC))
    current = posting_doc(PostingRecord(**record))
    # What an earlier release stored: the same index fields, the record without schema_version or derived.
    earlier = {key: value for key, value in record.items() if key != "schema_version"}
    index = TantivyIndex(POSTINGS, data_dir / "index" / "postings")
    index.upsert([IndexDoc(id=current.id, version=current.version, fields=current.fields, source=earlier)])
    index.close()
    del index
    gc.collect()  # releases tantivy's writer lock for the app's own writer

    settings = Settings(data_dir=data_dir, environment="test")
    with keyed_client(create_app(EMBEDDED, settings=settings), settings) as client:
        assert client.get("/v1/postings/test:old").json()["title"] == "叉车司机"
        hits = client.get("/v1/postings/search", params={"q": "叉车"}).json()["hits"]
        assert [hit["id"] for hit in hits] == ["test:old"]
        matches = client.post("/v1/match", json={"desired_titles": ["叉车司机"]}).json()["matches"]
        assert matches[0]["posting"]["id"] == "test:old"
        assert matches[0]["explain"]["features"]["occupation"] == 30.0


def test_the_embedded_shape_starts_on_the_previous_release_index_and_keeps_every_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "data"
    postings_dir = data_dir / "index" / "postings"
    write_previous_release_index(
        postings_dir, PREVIOUS_POSTINGS, [previous_release_doc(r) for r in OLD_RECORDS]
    )
    seekers_dir = data_dir / "index" / "seekers"
    write_previous_release_index(seekers_dir, PREVIOUS_SEEKERS, [seeker_doc(SEEKER)])
    # What this release did before the upgrade was handled: tantivy refuses the directory.
    with pytest.raises(ValueError, match="schema does not match"):
        tantivy.Index(tantivy_schema(POSTINGS), path=str(postings_dir), reuse=True)

    settings = Settings(data_dir=data_dir, environment="test")
    with (
        caplog.at_level(logging.INFO, "shared.adapters.tantivy_upgrade"),
        keyed_client(create_app(EMBEDDED, settings=settings), settings) as client,
    ):
        assert schema_on_disk(postings_dir) == tantivy_schema(POSTINGS)
        assert siblings(postings_dir) == []
        rebuilt = [r.getMessage() for r in caplog.records if "rebuilt for this release" in r.getMessage()]
        assert len(rebuilt) == 2 and any(": 4 documents in " in line for line in rebuilt), rebuilt
        assert schema_on_disk(seekers_dir) == tantivy_schema(SEEKERS)

        for old in OLD_RECORDS:
            assert client.get(f"/v1/postings/{old.id}").json()["title"] == old.title
        assert client.get("/v1/postings/test:closed").json()["status"] == "closed"
        hits = client.get("/v1/postings/search", params={"q": "电焊工"}).json()["hits"]
        assert [hit["id"] for hit in hits] == ["test:welder"]
        assert client.get("/v1/postings/search", params={"q": "仓库管理员"}).json()["hits"] == []
        matches = client.get(f"/v1/seekers/{SEEKER.id}/matches").json()["matches"]
        assert matches[0]["posting"]["id"] == "test:forklift"

        # New writes: a flagged posting reaches the review queue; the same vacancy from another source is
        # linked to the old posting, whose band tokens the rebuild computed.
        flagged = posting("new-flagged", "电子厂普工", description="限男性，包吃住。")
        pushed = client.post("/v1/postings", json=[flagged, DUPLICATE_COPY]).json()
        assert pushed["accepted"] == 2, pushed
        copy_id = f"{DUPLICATE_COPY['source']}:{DUPLICATE_COPY['source_id']}"
        old_id = OLD_RECORDS[-1].id

        def linked() -> bool:
            answer = client.get(f"/v1/postings/{copy_id}")
            return answer.status_code == 200 and answer.json()["duplicates_of"] == old_id

        wait_for(linked)
        assert client.get(f"/v1/postings/{old_id}").json()["duplicates"] == [copy_id]
        flags = client.get("/v1/review/flags").json()["items"]
        assert [(item["id"], item["flags"][0]["evidence"]) for item in flags] == [
            ("test:new-flagged", ["限男性"])
        ]


def open_upgraded(path: Path) -> TantivyIndex:
    """The postings index as the embedded shape's writer opens it."""
    return TantivyIndex(POSTINGS, path, rebuild=rebuilt_posting)


def old_index(path: Path, count: int = 0) -> list[IndexDoc]:
    """A previous-release postings index at ``path``: the old records, and ``count`` more."""
    extra = [
        record_of(posting(f"bulk-{n}", f"装配工{n}号", description="流水线装配，长白班。"))
        for n in range(count)
    ]
    docs = [previous_release_doc(r) for r in [*OLD_RECORDS, *extra]]
    write_previous_release_index(path, PREVIOUS_POSTINGS, docs)
    return docs


def assert_all_there(index: SearchIndex, docs: list[IndexDoc]) -> None:
    ids = [doc.id for doc in docs]
    assert index.count() == len(docs)
    assert index.versions(ids) == {doc.id: doc.version for doc in docs}
    # Rebuilt: those with a fingerprint (an employer and a city) carry their band tokens now.
    banded = {doc.id for doc in docs if rebuilt_posting(doc.source)[0].get(PostingField.DEDUP_BANDS)}
    assert OLD_RECORDS[-1].id in banded
    assert index.count([Exists(PostingField.DEDUP_BANDS)]) == len(banded)


def test_a_writer_without_a_rebuild_refuses_clearly_and_a_reader_waits_for_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "postings"
    docs = old_index(path)
    with pytest.raises(IndexSchemaMismatch, match="another schema"):
        TantivyIndex(POSTINGS, path)
    with pytest.raises(IndexSchemaMismatch, match="writer.lock"):
        TantivyIndex(POSTINGS, path, read_only=True, reader_wait_s=0.3)
    assert schema_on_disk(path) == tantivy_schema(PREVIOUS_POSTINGS) and siblings(path) == []

    opened: list[TantivyIndex] = []
    reader = threading.Thread(
        target=lambda: opened.append(TantivyIndex(POSTINGS, path, read_only=True, reader_wait_s=30))
    )
    reader.start()
    reader.join(0.6)
    # Waiting, and it has rebuilt nothing: the directory is as the previous release left it.
    assert reader.is_alive() and not opened
    assert schema_on_disk(path) == tantivy_schema(PREVIOUS_POSTINGS) and siblings(path) == []

    writer = open_upgraded(path)
    reader.join(10)
    assert opened, "the reader did not open the rebuilt index"
    assert_all_there(opened[0], docs)
    writer.upsert([posting_doc(record_of(posting("after", "叉车司机")))])
    assert opened[0].get("test:after") is not None  # the reader follows the writer's commits
    opened[0].close()
    writer.close()


def test_an_unrebuildable_document_is_kept_by_its_id(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "postings"
    broken = IndexDoc(
        "test:broken", 7, {"title": "坏 记录", "status": "open"}, {"id": "test:broken", "title": "x"}
    )
    good = previous_release_doc(OLD_RECORDS[0])
    write_previous_release_index(path, PREVIOUS_POSTINGS, [broken, good])
    with caplog.at_level(logging.ERROR, "shared.adapters.tantivy_upgrade"):
        index = open_upgraded(path)
    assert index.get("test:broken") == broken.source
    assert index.versions(["test:broken"]) == {"test:broken": 7}
    assert index.count([Terms(PostingField.STATUS, ("open",))]) == 1  # the good one only
    (message,) = [r.getMessage() for r in caplog.records]
    assert "test:broken (ValidationError)" in message
    index.close()


def crash_states(tmp_path: Path) -> dict[str, tuple[Path, list[IndexDoc]]]:
    """The directories each step of an upgrade leaves when a stop cuts it there (tantivy_upgrade's steps)."""
    docs = old_index(tmp_path / "template-old")
    shutil.copytree(tmp_path / "template-old", tmp_path / "template-new")
    open_upgraded(tmp_path / "template-new").close()
    gc.collect()
    states: dict[str, dict[str, str]] = {
        "building": {"postings": "old", "postings.partial": "half"},
        "built": {"postings": "old", "postings.rebuilt": "new"},
        "swapping": {"postings.old": "old", "postings.rebuilt": "new"},
        "swapped": {"postings": "new", "postings.old": "old"},
    }
    made = {}
    for state, layout in states.items():
        base = tmp_path / state
        base.mkdir()
        for name, kind in layout.items():
            if kind == "half":
                (base / name).mkdir()
                (base / name / "meta.json").write_text("{")  # a commit never made
            else:
                shutil.copytree(tmp_path / f"template-{kind}", base / name)
        made[state] = (base / "postings", docs)
    return made


@pytest.mark.parametrize("state", ["building", "built", "swapping", "swapped"])
def test_the_next_start_finishes_an_upgrade_a_stop_cut_short(tmp_path: Path, state: str) -> None:
    path, docs = crash_states(tmp_path)[state]
    index = open_upgraded(path)
    assert siblings(path) == []
    assert schema_on_disk(path) == tantivy_schema(POSTINGS)
    assert_all_there(index, docs)
    index.close()


_REBUILD_SCRIPT = """
import sys
from pathlib import Path
from shared.adapters.tantivy_index import TantivyIndex
from shared.index.fields import POSTINGS
from shared.index.rebuild import rebuilt_posting
from shared.ports.event_log import TOPIC_POSTINGS, Event
TantivyIndex(POSTINGS, Path(sys.argv[1]), rebuild=rebuilt_posting)
"""


def test_an_upgrade_killed_half_way_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "postings"
    docs = old_index(path, count=3000)
    process = subprocess.Popen([sys.executable, "-c", _REBUILD_SCRIPT, str(path)], cwd=ROOT)
    try:
        wait_for(lambda: siblings(path) or process.poll() is not None, timeout_s=60, interval_s=0.01)
        os.kill(process.pid, signal.SIGKILL)  # a power cut, wherever the rebuild is
    finally:
        process.wait(timeout=30)
    index = open_upgraded(path)
    assert siblings(path) == []
    assert_all_there(index, docs)
    index.close()


# --- Elasticsearch ------------------------------------------------------------------------------


@pytest.fixture
def es_prefix(es_client: Elasticsearch) -> Iterator[str]:
    prefix = f"upgrade-{uuid.uuid4().hex[:12]}"
    yield prefix
    names = list(es_client.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
    if names:
        es_client.indices.delete(index=",".join(names))


def events(records: list[PostingRecord]) -> list[Event]:
    return [
        Event(topic=TOPIC_POSTINGS, partition=0, offset=n, key=r.id, value=r.model_dump(mode="json"))
        for n, r in enumerate(records)
    ]


def searched(index: SearchIndex, q: str) -> list[str]:
    request, _ = build_posting_request(PostingSearch(q=q, facets=()))
    return sorted(hit.id for hit in index.search(request).hits)


FLAGGED = record_of(posting("new-flagged", "电子厂普工", description="限男性，包吃住。"))


@pytest.mark.elasticsearch
def test_an_elasticsearch_index_of_the_previous_release_gains_the_new_fields_at_open(
    es_client: Elasticsearch, es_prefix: str, elasticsearch_url: str
) -> None:
    old = ElasticsearchIndex(PREVIOUS_POSTINGS, client=es_client, prefix=es_prefix)
    old_docs = [previous_release_doc(r) for r in OLD_RECORDS]
    old.upsert(old_docs)
    # What the previous mapping (strict) does with this release's documents: refuses them.
    (refused,) = old.upsert([posting_doc(FLAGGED)])
    assert refused.status == "error" and "strict_dynamic_mapping" in (refused.error or "")

    index = ElasticsearchIndex(POSTINGS, client=es_client, prefix=es_prefix)
    (mapping,) = es_client.indices.get_mapping(index=index.alias).values()
    assert mapping["mappings"]["properties"][PostingField.FLAGS] == {"type": "keyword"}
    assert mapping["mappings"]["properties"][PostingField.REVIEW_UPDATED_AT] == {"type": "long"}
    assert (
        ensure_mapping(es_client, POSTINGS, index.alias) == []
    )  # nothing left to add: a restart adds nothing

    # The previous release's documents: shown, searched and matched as before.
    assert index.get("test:welder") == old_docs[1].source
    index.refresh()
    assert searched(index, "电焊工") == ["test:welder"]
    assert searched(index, "仓库管理员") == []
    matches = match_postings(Profile(desired_titles=["叉车司机"]), postings=index, limit=5)
    assert matches[0].posting.id == "test:forklift"

    # Written after the upgrade: indexed with the new fields, nothing dead-lettered. The old copy of the
    # vacancy has no band tokens yet, so the new one cannot find it.
    copy = record_of(DUPLICATE_COPY)
    assert apply_events(events([FLAGGED, copy]), postings=index, seekers=index) == []
    index.refresh()
    assert index.count([Terms(PostingField.FLAGS, ("gender",))]) == 1
    assert index.count([Terms(PostingField.REVIEW, ("pending",))]) == 1
    assert index.count([Exists(PostingField.DEDUP_BANDS)]) == 1
    assert index.get(copy.id)["duplicate_of"] is None  # type: ignore[index]

    # es_reindex --rebuild makes the earlier documents as this release does: the next write of the copy
    # links it to the old posting.
    assert (
        reindex_main(["--schema", "postings", "--rebuild", "--url", elasticsearch_url, "--prefix", es_prefix])
        == 0
    )
    assert index.versions([d.id for d in old_docs]) == {d.id: d.version for d in old_docs}
    assert index.count([Exists(PostingField.DEDUP_BANDS)]) == 2
    edited = copy.model_copy(update={"version": copy.version + 1})
    assert apply_events(events([edited]), postings=index, seekers=index) == []
    index.refresh()
    assert index.get(copy.id)["duplicate_of"] == OLD_RECORDS[-1].id  # type: ignore[index]
    assert index.count([Terms(PostingField.STATUS, (DUPLICATE,))]) == 1
    assert searched(index, "电焊工") == ["test:welder"]
    index.close()


@pytest.mark.elasticsearch
def test_a_field_whose_type_changed_fails_the_start_with_the_fix(
    es_client: Elasticsearch, es_prefix: str, elasticsearch_url: str
) -> None:
    otherwise = IndexSchema("postings", {**PREVIOUS_POSTINGS.fields, PostingField.DEDUP_BANDS: "int"})
    ElasticsearchIndex(otherwise, client=es_client, prefix=es_prefix).upsert(
        [previous_release_doc(r) for r in OLD_RECORDS]
    )
    with pytest.raises(MappingConflict) as refused:
        ElasticsearchIndex(POSTINGS, client=es_client, prefix=es_prefix)
    assert "'dedup_bands'" in refused.value.message
    assert "python -m shared.adapters.es_reindex --schema postings --rebuild" in refused.value.message

    # The fix named works.
    assert (
        reindex_main(["--schema", "postings", "--rebuild", "--url", elasticsearch_url, "--prefix", es_prefix])
        == 0
    )
    index = ElasticsearchIndex(POSTINGS, client=es_client, prefix=es_prefix)
    assert index.count() == len(OLD_RECORDS)
    assert index.count([Exists(PostingField.DEDUP_BANDS)]) == 1
    index.close()
