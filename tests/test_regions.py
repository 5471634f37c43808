import csv
import itertools
import time

import pytest

from shared import DATA_DIR
from shared.domain.regions import Region, get_region, province_of, region_path, resolve_location, short_forms


def read_tsv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def resolved_code(text: str) -> str | None:
    region = resolve_location(text)
    return region.code if region else None


# --- the data file ---------------------------------------------------------------------------


def test_table_has_unique_well_formed_codes_with_existing_parents():
    rows = read_tsv("regions.tsv")
    codes = [row["code"] for row in rows]
    assert 3100 < len(rows) < 3400
    assert len(codes) == len(set(codes))
    by_code = {row["code"]: row for row in rows}
    for row in rows:
        code, level, parent = row["code"], row["level"], row["parent_code"]
        assert len(code) == 6 and code.isdigit(), row
        assert row["name"].strip() == row["name"] and row["name"], row
        if level == "province":
            assert code.endswith("0000") and parent == "", row
        elif level == "city":
            assert code.endswith("00") and parent == code[:2] + "0000", row
        else:
            assert level == "county" and not code.endswith("00"), row
            assert by_code[parent]["level"] in ("city", "province"), row
            assert parent[:2] == code[:2], row


def test_table_holds_34_provincial_units():
    provinces = {row["name"] for row in read_tsv("regions.tsv") if row["level"] == "province"}
    assert len(provinces) == 34
    assert {"河南省", "北京市", "内蒙古自治区", "香港特别行政区", "台湾省"} <= provinces


def test_every_rename_points_at_a_current_code():
    current = {row["code"] for row in read_tsv("regions.tsv")}
    renames = read_tsv("region_renames.tsv")
    assert len(renames) > 100
    for row in renames:
        assert row["new_code"] in current, row
        assert row["old_code"] == "" or row["old_code"] not in current or row["old_code"] == row["new_code"]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("411003", "建安区"),  # 许昌县 became a district in 2016
        ("370116", "莱芜区"),  # 莱芜市 merged into 济南 in 2019
        ("370117", "钢城区"),
        ("110112", "通州区"),
        ("410225", "兰考县"),
        ("411082", "长葛市"),
        ("350405", "沙县区"),
        ("350404", "三元区"),
        ("540600", "那曲市"),
        ("460302", "南沙区"),
        ("441900", "东莞市"),
        ("442000", "中山市"),
    ],
)
def test_known_changes_since_2016_are_in_the_table(code, name):
    region = get_region(code)
    assert region is not None and region.code == code and region.name == name


@pytest.mark.parametrize("retired", ["411023", "371200", "371202", "371203", "350427", "542400", "130101"])
def test_retired_codes_are_not_current_rows(retired):
    assert retired not in {row["code"] for row in read_tsv("regions.tsv")}


@pytest.mark.parametrize("zone", ["500157", "320576", "133100"])  # 两江新区, 苏州工业园区, 雄安新区
def test_development_zones_are_not_regions(zone):
    assert zone not in {row["code"] for row in read_tsv("regions.tsv")}
    assert zone not in {row["new_code"] for row in read_tsv("region_renames.tsv")}
    assert get_region(zone) is None


@pytest.mark.parametrize(
    ("code", "name", "parent"),
    [
        ("500105", "江北区", "500100"),
        ("500112", "渝北区", "500100"),
        ("310115", "浦东新区", "310100"),  # 新区 that are districts stay
        ("120116", "滨海新区", "120100"),
        ("210113", "沈北新区", "210100"),
        ("232761", "加格达奇区", "232700"),  # not approved by the State Council, but in the statistics
        ("632857", "大柴旦行政区", "632800"),
    ],
)
def test_districts_named_like_zones_are_regions(code, name, parent):
    region = get_region(code)
    assert region is not None and (region.code, region.name, region.level, region.parent_code) == (
        code,
        name,
        "county",
        parent,
    )


def test_aliases_point_at_current_codes_and_shadow_no_division():
    regions_by_code = {row["code"]: row for row in read_tsv("regions.tsv")}
    forms = {form for row in regions_by_code.values() for form in (row["name"], *short_forms(row["name"]))}
    aliases = read_tsv("region_aliases.tsv")
    assert {"两江新区", "苏州工业园区", "雄安新区"} <= {row["name"] for row in aliases}
    for row in aliases:
        assert row["code"] in regions_by_code, row
        assert row["name"] not in forms, row


# --- get_region ---------------------------------------------------------------------------------


def test_get_region_fills_the_hierarchy_of_a_county():
    assert get_region("410105") == Region(
        code="410105",
        name="金水区",
        level="county",
        province="河南省",
        city="郑州市",
        district="金水区",
        parent_code="410100",
    )


def test_get_region_of_a_province_and_a_city():
    province = get_region("410000")
    city = get_region("410100")
    assert province is not None and province.level == "province"
    assert (province.province, province.city, province.district, province.parent_code) == (
        "河南省",
        None,
        None,
        None,
    )
    assert city is not None and city.level == "city"
    assert (city.province, city.city, city.district, city.parent_code) == ("河南省", "郑州市", None, "410000")


def test_municipality_districts_hang_under_the_municipality_city():
    chaoyang = get_region("110105")
    chengkou = get_region("500229")  # from the former 重庆 "县" group 5002xx
    assert chaoyang is not None and (chaoyang.province, chaoyang.city, chaoyang.parent_code) == (
        "北京市",
        "北京市",
        "110100",
    )
    assert chengkou is not None and (chengkou.city, chengkou.parent_code) == ("重庆市", "500100")


def test_county_governed_by_the_province_has_no_city():
    xiantao = get_region("429004")
    assert xiantao is not None
    assert (xiantao.level, xiantao.province, xiantao.city, xiantao.district, xiantao.parent_code) == (
        "county",
        "湖北省",
        None,
        "仙桃市",
        "420000",
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("411023", "411003"),  # 许昌县 -> 建安区
        ("371202", "370116"),  # 莱城区 -> 莱芜区
        ("371203", "370117"),  # 钢城区 (莱芜) -> 钢城区 (济南)
        ("371200", "370100"),  # 莱芜市 -> 济南市
        ("350427", "350405"),  # 沙县 -> 沙县区
        ("350402", "350404"),  # 梅列区 -> 三元区
        ("350403", "350404"),  # 三元区 got a new code when it absorbed 梅列区
        ("542400", "540600"),  # 那曲地区 -> 那曲市
        ("139001", "130682"),  # 定州市 moved under 保定
        ("310108", "310106"),  # 闸北区 -> 静安区
        ("500200", "500100"),  # 重庆 "县" group
        ("130101", "130100"),  # a 市辖区 group code stands for its city
    ],
)
def test_get_region_follows_retired_codes(old, new):
    region = get_region(old)
    assert region is not None and region.code == new


def test_get_region_accepts_the_12_digit_statistical_form_and_spaces():
    region = get_region(" 410105000000 ")
    assert region is not None and region.code == "410105"


@pytest.mark.parametrize("code", ["", "999999", "4101", "abcdef", "410105001000", "990000"])
def test_get_region_of_unknown_codes_is_none(code):
    assert get_region(code) is None


# --- region_path and province_of ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("410105", ["410000", "410100", "410105"]),
        ("410100", ["410000", "410100"]),
        ("410000", ["410000"]),
        ("110105", ["110000", "110100", "110105"]),
        ("500229", ["500000", "500100", "500229"]),
        ("419001", ["410000", "419001"]),
        ("441900", ["440000", "441900"]),
        ("411023", ["410000", "411000", "411003"]),  # retired code gives the current path
        ("371203", ["370000", "370100", "370117"]),
        ("123456", []),
    ],
)
def test_region_path(code, path):
    assert region_path(code) == path


def test_every_path_descends_by_parent_code():
    for row in read_tsv("regions.tsv"):
        path = region_path(row["code"])
        assert path[-1] == row["code"] and path[0] == row["code"][:2] + "0000"
        for parent, child in itertools.pairwise(path):
            child_region = get_region(child)
            assert child_region is not None and child_region.parent_code == parent


@pytest.mark.parametrize(
    ("code", "province"),
    [
        ("410105", "410000"),
        ("410000", "410000"),
        ("110105", "110000"),
        ("371200", "370000"),
        ("419001", "410000"),
    ],
)
def test_province_of(code, province):
    assert province_of(code) == province


def test_province_of_an_unlisted_code_in_a_known_province_uses_its_prefix():
    assert province_of("410199") == "410000"


@pytest.mark.parametrize("code", ["990000", "xx", "", "41abcd"])
def test_province_of_rejects_codes_outside_any_province(code):
    with pytest.raises(ValueError):
        province_of(code)


# --- resolve_location ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # full forms
        ("河南省郑州市金水区", "410105"),
        ("广东省深圳市南山区", "440305"),
        ("新疆维吾尔自治区乌鲁木齐市天山区", "650102"),
        ("湖北省恩施土家族苗族自治州利川市", "422802"),
        ("内蒙古自治区呼和浩特市", "150100"),
        # municipalities
        ("北京市朝阳区", "110105"),
        ("北京朝阳", "110105"),
        ("上海浦东", "310115"),
        ("上海市浦东新区", "310115"),
        ("北京通州", "110112"),
        ("天津滨海新区", "120116"),
        ("重庆市城口县", "500229"),
        ("北京", "110000"),
        ("北京市", "110000"),
        # county-level cities and cities without districts
        ("昆山市", "320583"),
        ("义乌", "330782"),
        ("长葛", "411082"),
        ("东莞", "441900"),
        ("中山市", "442000"),
        ("中山", "442000"),  # 中山区 (大连) is a lower level
        ("广东东莞长安镇", "441900"),
        ("嘉峪关", "620200"),
        ("仙桃", "429004"),
        # short forms
        ("河南兰考", "410225"),
        ("开封兰考县", "410225"),
        ("郑州", "410100"),
        ("河南", "410000"),
        ("广西南宁", "450100"),
        ("湖南南县", "430921"),
        ("黔南州", "522700"),
        ("恩施", "422800"),
        ("香港", "810000"),
        # unknown sub-parts fall back to what was read
        ("郑州高新区", "410100"),
        ("郑州市", "410100"),
        ("郑州市中心", "410100"),
        ("上海市南京路", "310000"),
        ("北京市朝阳区建国路88号", "110105"),
        ("苏州工业园区星湖街", "320500"),  # a development zone reads as its city
        # old names
        ("许昌县", "411003"),
        ("河南省许昌县", "411003"),
        ("许昌", "411000"),
        ("莱芜市钢城区", "370117"),
        ("莱芜市", "370100"),
        ("山东莱芜", "370116"),
        ("沙县", "350405"),
        ("邢台桥东区", "130502"),
        ("襄樊市", "420600"),
        # names that are tricky to shorten
        ("吉县", "141028"),
        ("山西临汾吉县", "141028"),
        ("沙县区", "350405"),
        ("河南蒙古族自治县", "632324"),
        ("吉林", "220000"),
        ("吉林市", "220200"),
        ("吉林省吉林市", "220200"),
        ("济南市中区", "370103"),
        ("济南市市中区", "370103"),
        ("青岛市南区", "370202"),
        # unique bare names
        ("金水区", "410105"),
        ("兰考", "410225"),
        # ambiguous bare names with context
        ("吉林省长春市朝阳区", "220104"),
        ("长春朝阳区", "220104"),
        ("南京鼓楼区", "320106"),
        ("辽宁朝阳", "211300"),
        ("大同城区", "140213"),  # old 城区 of 大同, while 阳泉 and 晋城 still have one
        ("宁波江北区", "330205"),
        # development zones read as the division holding them; 新区 that are districts stay
        ("重庆市江北区", "500105"),
        ("重庆江北", "500105"),
        ("渝北", "500112"),
        ("重庆渝北区龙溪街道", "500112"),
        ("两江新区", "500100"),
        ("重庆两江新区", "500100"),
        ("苏州工业园区", "320500"),
        ("江苏省苏州工业园区", "320500"),
        ("雄安新区", "130600"),
        ("河北雄安", "130600"),
        ("雄安新区容城县", "130629"),
        ("浦东新区", "310115"),
        ("大兴安岭加格达奇", "232761"),
    ],
)
def test_resolve_location(text, code):
    assert resolved_code(text) == code


@pytest.mark.parametrize(
    "text",
    ["朝阳区", "鼓楼区", "通州区", "通州", "市中区", "长安区", "", "   ", "abc", "有限公司", "新疆伊犁伊宁"],
)
def test_ambiguous_or_unknown_text_resolves_to_none_or_stays_above_the_ambiguity(text):
    region = resolve_location(text)
    if text == "新疆伊犁伊宁":  # 伊宁市 and 伊宁县 are both in 伊犁: stay at the prefecture
        assert region is not None and region.code == "654000"
    else:
        assert region is None


@pytest.mark.parametrize(
    "text",
    ["  河南 郑州  ", "河南省\u3000郑州市", "河南-郑州", "中国河南省郑州市", "河南省(郑州市)", "河南，郑州"],
)
def test_resolve_location_ignores_spacing_punctuation_and_country(text):
    assert resolved_code(text) == "410100"


def test_resolve_location_reads_full_width_text():
    assert resolved_code("ＡＢＣ河南兰考１号") == "410225"


def test_a_county_name_outside_the_province_read_so_far_is_ignored():
    # 长安区 is in 西安 and 石家庄, not in 广东
    assert resolved_code("广东东莞长安") == "441900"


def test_every_current_division_resolves_from_its_full_address():
    for row in read_tsv("regions.tsv"):
        region = get_region(row["code"])
        assert region is not None
        if region.level == "city" and region.city == region.province:
            continue  # 北京市 as a city reads as the province
        parts = [region.province]
        if region.level == "county" and region.city and region.city != region.province:
            parts.append(region.city)
        if region.level != "province":
            parts.append(region.name)
        assert resolved_code("".join(parts)) == region.code, parts


# --- short forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("郑州市", ["郑州"]),
        ("河南省", ["河南"]),
        ("内蒙古自治区", ["内蒙古"]),
        ("新疆维吾尔自治区", ["新疆"]),
        ("西藏自治区", ["西藏"]),
        ("香港特别行政区", ["香港"]),
        ("黔南布依族苗族自治州", ["黔南", "黔南州"]),
        ("克孜勒苏柯尔克孜自治州", ["克孜勒苏", "克孜勒苏州"]),
        ("积石山保安族东乡族撒拉族自治县", ["积石山"]),
        ("东乡族自治县", ["东乡"]),
        ("鄂温克族自治旗", ["鄂温克"]),
        ("龙胜各族自治县", ["龙胜"]),
        ("浦东新区", ["浦东"]),
        ("神农架林区", ["神农架"]),
        ("阿里地区", ["阿里"]),
        ("兴安盟", ["兴安"]),
        ("沙县区", ["沙县"]),
        ("吉县", []),
        ("芒市", []),
        ("城区", []),
    ],
)
def test_short_forms(name, forms):
    assert short_forms(name) == forms


# --- speed ---------------------------------------------------------------------------------------


def test_resolve_location_is_fast_once_loaded():
    texts = [
        "河南省郑州市金水区",
        "北京市朝阳区建国路88号",
        "郑州",
        "广东省东莞市长安镇振安中路123号",
        "朝阳区",
    ]
    resolve_location("预热")
    rounds = 400
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            resolve_location(text)
    per_call = (time.perf_counter() - started) / (rounds * len(texts))
    # Typically 5-25 µs here; the bound leaves room for a loaded CI machine.
    assert per_call < 200e-6
