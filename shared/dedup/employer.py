"""An employer's identity for duplicate detection: its credit code, or its name without the parts that vary.

One firm is written 郑州宇通客车股份有限公司 on one platform and 宇通客车 on
another, its branch 河南富士康精密电子有限公司郑州分公司 or 富士康精密电子
（郑州）有限公司. A Chinese enterprise name is 行政区划 + 字号 + 行业 + 组织形式
(the naming rules for enterprises): the place may lead, sit in brackets after
the trade name, or name a branch at the end, and the legal form closes it.
The key keeps the trade name and the trade (字号 + 行业), which platforms
copy as registered. A province or a city in front goes (the city is matched
on its own), and so does the posting's own county (郑州市金水区王记餐饮 in a
金水区 posting) unless a "people's" body follows, which its place alone
names (中原区人民政府, 兰考县人民医院). Another county's name stays: it may be
the trade name itself (康乐护理).
"""

from __future__ import annotations

import re
from functools import cache

from shared.domain.records import PlaceRecord
from shared.domain.regions import Level, known_place_names, short_forms
from shared.text.pipeline import normalize

# Legal forms and branch words, longest first so 有限责任公司 is taken whole.
_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "股份合作公司",
    "集团有限公司",
    "集团股份有限公司",
    "有限公司",
    "集团公司",
    "总公司",
    "分公司",
    "子公司",
    "分厂",
    "分店",
    "分部",
    "公司",
    "集团",
    "股份",
)
_NAMED_BY_PLACE = "人民"
"""人民政府, 人民医院, 人民法院: bodies every county has, told apart by the county's name."""
_BRACKETED = re.compile(r"[（(【\[［]([^）)】\]］]*)[）)】\]］]")
_NOT_A_LETTER = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fffa-z0-9]+")
_MIN_KEY_CHARS = 2


@cache
def _place_pattern(*levels: Level) -> re.Pattern[str]:
    names = sorted((n for n in known_place_names(*levels) if len(n) >= 2), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


@cache
def _legal_form_pattern() -> re.Pattern[str]:
    forms = sorted(_LEGAL_FORMS, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, forms)))


def _strip_leading_places(text: str, places: re.Pattern[str]) -> str:
    while True:
        found = places.match(text)
        if found is None or found.end() == len(text):
            return text
        text = text[found.end() :]


def _county_names(place: PlaceRecord | None) -> tuple[str, ...]:
    if place is None or not place.district:
        return ()
    return tuple(sorted({place.district, *short_forms(place.district)}, key=len, reverse=True))


def employer_key(name: str | None, place: PlaceRecord | None = None) -> str | None:
    """The name's trade name and trade (宇通客车), or None when nothing identifying is left."""
    if not name:
        return None
    text = normalize(name)
    # Bracketed parts are a place (（郑州）) or a note (（原XX厂）); the trade name is outside them.
    text = _BRACKETED.sub("", text)
    text = _NOT_A_LETTER.sub("", text)
    text = _legal_form_pattern().sub("|", text)
    # A branch names its place right before its branch word: …有限公司郑州分公司 → …|郑州|.
    kept = [part for part in text.split("|") if part and _place_pattern().fullmatch(part) is None]
    text = _strip_leading_places("".join(kept), _place_pattern("province", "city"))
    county = next((name for name in _county_names(place) if text.startswith(name)), None)
    if county and len(text) > len(county) and not text[len(county) :].startswith(_NAMED_BY_PLACE):
        text = text[len(county) :]
    return text if len(text) >= _MIN_KEY_CHARS else None


TRADE_NAME_CHARS = 2
"""A trade name (字号) has at least two characters: keys sharing fewer name different employers."""
_NAME_OVERLAP_MIN = 0.5


def name_prefix(key: str) -> str:
    """What two keys of one employer always share: the start of the trade name."""
    return key[:TRADE_NAME_CHARS]


def same_employer_name(a: str, b: str) -> bool:
    """Whether two employer keys name one employer: one platform shortens 中信重工机械 to 中信重工, another
    writes 双汇投资发展 as 双汇发展; both keep the trade name in front. So: the same trade-name start, and
    at least half of the shorter key's character pairs in the longer."""
    if name_prefix(a) != name_prefix(b):
        return False
    pairs_a = {a[i : i + 2] for i in range(len(a) - 1)}
    pairs_b = {b[i : i + 2] for i in range(len(b) - 1)}
    return len(pairs_a & pairs_b) / min(len(pairs_a), len(pairs_b)) >= _NAME_OVERLAP_MIN
