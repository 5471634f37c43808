"""GB/T 2260 region codes and free-text location resolution.

The table (``data/regions.tsv``) reflects the divisions as of 2025-12-31;
``data/region_renames.tsv`` maps retired codes and old names to current
codes; ``data/region_aliases.tsv`` maps names that are no division, such as
development zones (两江新区, 苏州工业园区), to the division holding them. All
three are rebuilt by ``tools/build_regions.py``.

Municipalities (北京, 天津, 上海, 重庆) keep a city row (``110100`` ...) that
all their districts hang under, so a path always has the same shape.
County-level units governed by a province directly (济源, 仙桃, 石河子...)
hang under the province and have no city.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Level = Literal["province", "city", "county"]

from shared import DATA_DIR as _DATA_DIR

_LEVEL_RANK: dict[str, int] = {"province": 0, "city": 1, "county": 2}

# Longer suffixes first, so that 自治区 and 新区 are taken whole rather than as 区.
_SUFFIXES = [
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "行政区",
    "地区",
    "林区",
    "特区",
    "新区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
]
_AUTONOMOUS_SUFFIXES = {"自治区", "自治州", "自治县", "自治旗"}
# Ethnic groups named in autonomous units (各 covers 龙胜各族 and 隆林各族).
_ETHNIC_GROUP_NAMES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
)
_ETHNIC_GROUPS = _ETHNIC_GROUP_NAMES.split()
# A bare one-character group would eat real names (西藏), so those count only with 族.
_ETHNIC_ENDINGS = sorted(
    [group + "族" for group in _ETHNIC_GROUPS] + [group for group in _ETHNIC_GROUPS if len(group) > 1],
    key=len,
    reverse=True,
)
_NOISE = re.compile(r"[\W_]+")
_COUNTRY_PREFIXES = ("中华人民共和国", "中国")
_MIN_NAME_LENGTH = 2
# A location field, not a document: longer input is cut to bound the work per call.
_MAX_TEXT_LENGTH = 200


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: Level
    province: str
    city: str | None
    district: str | None
    parent_code: str | None


@dataclass(frozen=True)
class _Tables:
    regions: dict[str, Region]
    successors: dict[str, str]  # retired code -> current code
    paths: dict[str, tuple[str, ...]]  # code -> codes from province down to itself
    # name or short form -> (codes of current units, codes reached through an old name)
    candidates_by_name: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    name_lengths_by_first_char: dict[str, tuple[int, ...]]  # longest first


def _read_tsv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as handle:
        lines = [line.rstrip("\n") for line in handle if line.strip() and not line.startswith("#")]
    return [line.split("\t") for line in lines[1:]]  # first line is the header


def _strip_ethnic_groups(base: str) -> str:
    stripped = True
    while stripped:
        stripped = False
        for ending in _ETHNIC_ENDINGS:
            if base.endswith(ending) and len(base) - len(ending) >= _MIN_NAME_LENGTH:
                base = base[: -len(ending)]
                stripped = True
                break
    return base


def short_forms(name: str) -> list[str]:
    """Names people write for a division without its suffix: 郑州, 兰考, 黔南州, 广西."""
    suffix = next((s for s in _SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        return []
    base = name[: -len(suffix)]
    if suffix in _AUTONOMOUS_SUFFIXES:
        base = _strip_ethnic_groups(base)
        if base.endswith("族") and len(base) > _MIN_NAME_LENGTH:
            base = base[:-1]  # 东乡族自治县 -> 东乡
    forms = [base] if len(base) >= _MIN_NAME_LENGTH else []
    if suffix == "自治州" and forms:
        forms.append(base + "州")
    return forms


def _normalise(text: str) -> str:
    compact = _NOISE.sub("", unicodedata.normalize("NFKC", text))
    for prefix in _COUNTRY_PREFIXES:
        if compact.startswith(prefix):
            return compact[len(prefix) :]
    return compact


def _build_regions(rows: list[list[str]]) -> dict[str, Region]:
    names = {code: name for code, name, _, _ in rows}
    parents = {code: parent or None for code, _, _, parent in rows}
    regions: dict[str, Region] = {}
    for code, name, level, parent in rows:
        province_code = code[:2] + "0000"
        city_code = code if level == "city" else parents[code] if level == "county" else None
        city = names[city_code] if city_code and city_code in names and city_code != province_code else None
        regions[code] = Region(
            code=code,
            name=name,
            level=level,  # type: ignore[arg-type]
            province=names[province_code],
            city=city,
            district=name if level == "county" else None,
            parent_code=parent or None,
        )
    return regions


def _path_of(code: str, regions: dict[str, Region]) -> tuple[str, ...]:
    path: list[str] = []
    current: str | None = code
    while current is not None:
        path.append(current)
        current = regions[current].parent_code
    return tuple(reversed(path))


@functools.cache
def _tables() -> _Tables:
    regions = _build_regions(_read_tsv(_DATA_DIR / "regions.tsv"))
    renames = _read_tsv(_DATA_DIR / "region_renames.tsv")
    successors = {old_code: new_code for old_code, _, new_code in renames if old_code}

    current_by_name: dict[str, set[str]] = defaultdict(set)
    for region in regions.values():
        if region.level == "city" and region.name == region.province:
            continue  # a municipality's city row: the province row answers for its name
        for form in (region.name, *short_forms(region.name)):
            current_by_name[form].add(region.code)
    # Taken as written, without short forms: 两江 alone names other places too.
    for alias, code in _read_tsv(_DATA_DIR / "region_aliases.tsv"):
        current_by_name[alias].add(code)
    legacy_by_name: dict[str, set[str]] = defaultdict(set)
    for _, old_name, new_code in renames:
        if old_name != "市辖区" and len(old_name) >= _MIN_NAME_LENGTH:
            for form in (old_name, *short_forms(old_name)):
                legacy_by_name[form].add(new_code)

    candidates_by_name = {
        form: (
            tuple(sorted(current_by_name.get(form, ()))),
            tuple(sorted(legacy_by_name.get(form, set()) - current_by_name.get(form, set()))),
        )
        for form in current_by_name.keys() | legacy_by_name.keys()
    }
    lengths: dict[str, set[int]] = defaultdict(set)
    for form in candidates_by_name:
        lengths[form[0]].add(len(form))
    return _Tables(
        regions=regions,
        successors=successors,
        paths={code: _path_of(code, regions) for code in regions},
        candidates_by_name=candidates_by_name,
        name_lengths_by_first_char={char: tuple(sorted(ls, reverse=True)) for char, ls in lengths.items()},
    )


def _current_code(code: str) -> str | None:
    tables = _tables()
    code = code.strip()
    if len(code) == 12 and code.endswith("000000"):
        code = code[:6]  # statistical 12-digit form
    if code in tables.regions:
        return code
    return tables.successors.get(code)


def get_region(code: str) -> Region | None:
    """The region for a current, retired or renamed code (411023 许昌县 -> 411003 建安区)."""
    current = _current_code(code)
    return _tables().regions[current] if current else None


def region_path(code: str) -> list[str]:
    """Current codes from province down to ``code``: only the levels that exist; [] if unknown."""
    current = _current_code(code)
    return list(_tables().paths[current]) if current else []


def province_of(code: str) -> str:
    """The province code of ``code``; ValueError if it names no known province."""
    current = _current_code(code)
    if current:
        return current[:2] + "0000"
    code = code.strip()
    if len(code) == 6 and code.isdigit() and code[:2] + "0000" in _tables().regions:
        return code[:2] + "0000"
    raise ValueError(f"not a region code: {code!r}")


def _name_matches(text: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Candidate codes for the known names in ``text``.

    Of all ways to read names out of the text, the one covering the most
    characters wins, then the one with fewer names: 济南市中区 reads as
    济南 + 市中区, not 济南市 + an unknown 中区.
    """
    tables = _tables()
    # best[i]: (characters covered, -names used, length of the name starting at i or 0) for text[i:]
    best: list[tuple[int, int, int]] = [(0, 0, 0)] * (len(text) + 1)
    for start in range(len(text) - 1, -1, -1):
        covered, negative_names, _ = best[start + 1]
        choice = (covered, negative_names, 0)
        for length in tables.name_lengths_by_first_char.get(text[start], ()):
            end = start + length
            if end <= len(text) and text[start:end] in tables.candidates_by_name:
                covered, negative_names, _ = best[end]
                choice = max(choice, (covered + length, negative_names - 1, length))
        best[start] = choice
    matches = []
    position = 0
    while position < len(text):
        length = best[position][2]
        if length:
            matches.append(tables.candidates_by_name[text[position : position + length]])
            position += length
        else:
            position += 1
    return matches


def _inside(ancestor: str | None, codes: tuple[str, ...]) -> list[str]:
    if ancestor is None:
        return list(codes)
    paths = _tables().paths
    return [code for code in codes if ancestor in paths[code][:-1]]


def _pick(candidates: list[str]) -> str | None:
    """The one candidate at the highest level, or None if that level holds several."""
    regions = _tables().regions
    top_rank = min(_LEVEL_RANK[regions[code].level] for code in candidates)
    top = [code for code in candidates if _LEVEL_RANK[regions[code].level] == top_rank]
    return top[0] if len(top) == 1 else None


def resolve_location(text: str) -> Region | None:
    """The most specific region named in ``text`` (河南兰考 -> 410225), or None.

    Names are read left to right (see ``_name_matches``); each must lie inside the region
    read so far, otherwise it is skipped (a street such as 南京路 in 上海). Old
    names (许昌县, 莱芜市) count where no current unit of that name fits. A
    name shared across levels means the higher one (吉林 -> 吉林省, 中山 -> 中山市).
    A name shared by several regions at the same level (朝阳区) is used only when
    the region read so far leaves one of them; with none read yet the text
    resolves to None. Unknown parts (高新区) leave the region read so far; a
    listed development zone (两江新区) reads as the division holding it.
    """
    tables = _tables()
    chosen: str | None = None
    for current_codes, legacy_codes in _name_matches(_normalise(text)[:_MAX_TEXT_LENGTH]):
        # An old name counts only where no current unit of that name fits (重庆江北 vs 宁波江北区).
        candidates = _inside(chosen, current_codes) or _inside(chosen, legacy_codes)
        if not candidates:
            continue
        picked = _pick(candidates)
        if picked is None:
            if chosen is None:
                return None
            break
        chosen = picked
        if tables.regions[chosen].level == "county":
            break
    return tables.regions[chosen] if chosen else None


def known_place_names(*levels: Level) -> frozenset[str]:
    """Every name and short form the resolver knows (current, former and alias names) of divisions at these
    levels (all levels when none is given): 河南省, 郑州, 金水区."""
    tables = _tables()
    wanted: set[str] = set(levels) or set(_LEVEL_RANK)
    return frozenset(
        name
        for name, (current, legacy) in tables.candidates_by_name.items()
        if any(tables.regions[code].level in wanted for code in (*current, *legacy))
    )
