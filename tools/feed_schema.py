"""Writes shared/schemas/feed-v1.json from the feeds' response models (services/search/feeds/schema.py).

python tools/feed_schema.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Run as a script from any directory: this checkout's packages, not an installed copy.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.search.feeds.schema import SCHEMA_PATH, feed_schema


def render() -> str:
    return json.dumps(feed_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
