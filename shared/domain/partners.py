"""Which provinces co-operate on labour (省际劳务协作): configuration kept as data.

``shared/data/partner_provinces.tsv`` lists the agreements of the plan
(Henan and its eight partners); an agreement holds both ways. Adding a
province is a line in that file, not a code change.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from shared import DATA_DIR

PARTNERS_PATH = DATA_DIR / "partner_provinces.tsv"


@cache
def _agreements(path: Path = PARTNERS_PATH) -> dict[str, frozenset[str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    partners: dict[str, set[str]] = {}
    for row in csv.DictReader(lines, delimiter="\t"):
        home, partner = row["home"], row["partner"]
        partners.setdefault(home, set()).add(partner)
        partners.setdefault(partner, set()).add(home)
    return {home: frozenset(others) for home, others in partners.items()}


def partner_provinces(province_code: str) -> frozenset[str]:
    """The province codes that ``province_code`` has a labour co-operation agreement with."""
    return _agreements().get(province_code, frozenset())
