"""An index kept from an earlier release still answers: its documents hold the bare record, no derived values."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

from services.embedded import EMBEDDED
from shared.adapters.tantivy_index import TantivyIndex
from shared.domain.records import PostingRecord
from shared.index.documents import posting_doc
from shared.index.fields import POSTINGS
from shared.ports.search_index import IndexDoc
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.helpers import keyed_client, stored_posting


def test_documents_without_derived_values_are_searched_matched_and_shown(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    record = stored_posting("old", "叉车司机", received_at=datetime.now(UTC))
    current = posting_doc(PostingRecord(**record))
    # What the earlier release stored: the same index fields, the record without schema_version or derived.
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
