"""The feeds' JSON Schema document, generated from their response models.

Committed as ``shared/schemas/feed-v1.json`` (``python tools/feed_schema.py`` writes it) so a partner
codes against a file, not against our Python; a test keeps the file equal to what the models generate.
A change that would make an older partner misread a page is a new version: a new file, a new cursor
format version, the old one kept while partners move.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.search.feeds.models import FEED_SCHEMA_VERSION, PostingFeedPage, SeekerFeedPage

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "shared" / "schemas" / f"feed-v{FEED_SCHEMA_VERSION}.json"
PAGES: dict[str, type[BaseModel]] = {"postings": PostingFeedPage, "seekers": SeekerFeedPage}


def feed_schema() -> dict[str, Any]:
    refs, document = models_json_schema(
        [(model, "serialization") for model in PAGES.values()], ref_template="#/$defs/{model}"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:jobmatch:feed:v{FEED_SCHEMA_VERSION}",
        "title": f"jobmatch partner feeds, version {FEED_SCHEMA_VERSION}",
        "description": "A page of GET /v1/feeds/postings (PostingFeedPage) or GET /v1/feeds/seekers "
        "(SeekerFeedPage). Each record validates as the body record of POST /v1/postings or POST /v1/seekers.",
        "anyOf": [refs[(model, "serialization")] for model in PAGES.values()],
        "$defs": document["$defs"],
    }


def page_schema(feed: str) -> dict[str, Any]:
    """The schema one feed's pages validate against: its page definition within the document."""
    document = {key: value for key, value in feed_schema().items() if key != "anyOf"}
    return document | {"$ref": f"#/$defs/{PAGES[feed].__name__}"}
