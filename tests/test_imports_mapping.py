"""Imported rows → input records: the header vocabulary, the field table, cell conversions, map_row."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from services.ingest.batch import check_record
from services.ingest.imports.fields import FIELDS
from services.ingest.imports.mapping import NO_MAPPING, SHIPPED_MAPPINGS, ImportMapping, load_mapping
from services.ingest.imports.rows import HASHED_ID_PREFIX, map_row
from services.ingest.imports.vocabulary import IGNORED, header_target, headers, normalised
from shared.domain.inputs import EmployerIn, PostingIn, SalaryIn, SeekerIn
from shared.errors import BadRequest

NOW = datetime(2026, 6, 1, 12, 0).astimezone()


def expected_fields(model: type[PostingIn | SeekerIn]) -> set[str]:
    """Each field of the model; a posting's employer and salary objects by their parts (salary's text is the
    salary column itself, ``salary``)."""
    fields = set(model.model_fields)
    if model is PostingIn:
        fields -= {"employer"}
        fields |= {f"employer.{name}" for name in EmployerIn.model_fields}
        fields |= {f"salary.{name}" for name in SalaryIn.model_fields if name != "text"}
    return fields


@pytest.mark.parametrize(("kind", "model"), [("postings", PostingIn), ("seekers", SeekerIn)])
def test_every_field_of_the_input_models_has_a_rule_and_a_header(kind, model) -> None:
    assert set(FIELDS[kind]) == expected_fields(model)
    named = {target.field for target in headers(kind).values()} - {IGNORED}
    assert set(FIELDS[kind]) <= named


@pytest.mark.parametrize("kind", ["postings", "seekers"])
def test_the_vocabulary_names_no_header_for_two_fields(kind) -> None:
    headers.cache_clear()
    assert headers(kind)  # the loader raises VocabularyError on a contradiction


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("岗位名称", "title"),
        ("职位名称", "title"),
        ("招聘岗位", "title"),
        ("工种", "title"),
        ("工作地点", "location"),
        ("工作地区", "location"),
        ("薪资待遇（元/月）", "salary"),
        ("月薪 (元)", "salary"),
        ("工资", "salary"),
        ("学历要求", "education_min"),
        ("招聘人数（人）", "headcount"),
        ("需求人数", "headcount"),
        ("单位名称", "employer.name"),
        ("企业名称*", "employer.name"),
        ("统一社会信用代码", "employer.credit_code"),
        ("联系电话", "description"),
        ("岗位职责", "description"),
        ("任职要求", "description"),
        ("截止日期", "expires_at"),
        ("有效期至", "expires_at"),
        ("发布日期", "posted_at"),
        ("用工形式", "job_type"),
        ("ＧＷＭＣ", "title"),
        ("employer_name", "employer.name"),
        ("序号", IGNORED),
    ],
)
def test_posting_headers(header: str, field: str) -> None:
    target = header_target("postings", header)
    assert target is not None and target.field == field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("姓名", "name"),
        ("身份证号", "id_number"),
        ("手机号码", "phone"),
        ("出生日期", "birth_year"),
        ("现居住地", "location"),
        ("户籍地", "hukou_region_code"),
        ("求职意向", "desired_titles"),
        ("期望地区", "desired_region_codes"),
        ("期望薪资（元/月）", "expected_salary_min"),
        ("是否愿意外出", "willing_to_relocate"),
        ("人员类别", "groups"),
        ("是否同意共享", "consent_share_with_partners"),
        ("性别", IGNORED),
    ],
)
def test_seeker_headers(header: str, field: str) -> None:
    target = header_target("seekers", header)
    assert target is not None and target.field == field


def test_header_normalisation_folds_width_spaces_brackets_and_punctuation() -> None:
    assert normalised("薪资 待遇（元／月）：") == normalised("薪资待遇") == "薪资待遇"
    assert normalised("【必填】岗位名称") == "岗位名称"
    assert header_target("postings", "备注说明x") is None


def test_a_posting_row_becomes_a_valid_record() -> None:
    raw = {
        "岗位名称": "维修电工",
        "工作地点": "郑州市金水区",
        "薪资待遇（元/月）": "4000-6000",
        "招聘人数（人）": "10人",
        "学历要求": "中专及以上",
        "岗位职责": "设备维修",
        "任职要求": "持电工证",
        "联系电话": "0371-66668888",
        "截止日期": "2099年12月31日",
        "发布日期": "46000",
        "工作经验": "3年以上",
        "用工形式": "全日制",
        "福利": "五险一金、包吃住",
        "序号": "7",
    }
    record = map_row(raw, kind="postings", mapping=ImportMapping(source="fair"))
    assert record["salary"] == "4000-6000元/月"
    assert record["headcount"] == 10 and record["experience_min_years"] == 3
    assert record["description"] == "设备维修\n持电工证\n联系电话：0371-66668888"
    assert record["expires_at"] == "2099-12-31" and record["posted_at"] == "2025-12-09"
    assert record["job_type"] == "全职" and record["benefits"] == ["五险一金", "包吃住"]
    assert record["source"] == "fair" and record["source_id"].startswith(HASHED_ID_PREFIX)
    stored, outcome = check_record("postings", record, received_at=NOW)
    assert stored is not None, outcome
    assert (stored.salary_min, stored.salary_max) == (4000, 6000)


def test_a_seeker_row_becomes_a_valid_record() -> None:
    raw = {
        "姓名": "张三",
        "身份证号": "11010519491231002X",
        "出生日期": "1990-05-01",
        "户籍地": "河南省周口市",
        "期望地区": "郑州、洛阳",
        "是否愿意外出": "是",
        "人员类别": "高校毕业生，残疾人",
        "期望薪资": "3000-4000",
        "是否同意共享": "否",
    }
    record = map_row(raw, kind="seekers", mapping=ImportMapping(source="fair"))
    assert record["hukou_region_code"] == "411600"
    assert record["desired_region_codes"] == ["410100", "410300"]
    assert record["willing_to_relocate"] is True and record["consent_share_with_partners"] is False
    assert record["groups"] == ["college_graduate", "disabled"] and record["expected_salary_min"] == 3000
    assert record["birth_year"] == 1990
    stored, outcome = check_record("seekers", record, received_at=NOW, id_number_hash=lambda _: "x" * 64)
    assert stored is not None, outcome


def test_an_unreadable_cell_is_passed_on_so_validation_names_it() -> None:
    record = map_row(
        {"岗位名称": "电工", "招聘人数": "很多", "截止日期": "明年"}, kind="postings", mapping=NO_MAPPING
    )
    assert record["headcount"] == "很多" and record["expires_at"] == "明年"
    _, outcome = check_record("postings", {**record, "source": "x"}, received_at=NOW)
    assert {problem.field: problem.code for problem in outcome.errors or []} == {
        "headcount": "WRONG_TYPE",
        "expires_at": "BAD_FORMAT",
    }


def test_the_same_content_gives_the_same_id_and_other_content_another() -> None:
    one = map_row({"岗位名称": "电工", "工作地点": "郑州"}, kind="postings", mapping=NO_MAPPING)
    again = map_row({"工作地点": "郑州", "岗位名称": "电工"}, kind="postings", mapping=NO_MAPPING)
    other = map_row({"岗位名称": "电工", "工作地点": "洛阳"}, kind="postings", mapping=NO_MAPPING)
    assert one["source_id"] == again["source_id"] != other["source_id"]
    with_id = map_row({"岗位编号": "A-1", "岗位名称": "电工"}, kind="postings", mapping=NO_MAPPING)
    assert with_id["source_id"] == "A-1"


def test_ndjson_objects_in_our_own_shape_pass_through() -> None:
    raw = {
        "source_id": "n1",
        "title": "电工",
        "employer": {"name": "甲厂"},
        "skills": ["接线"],
        "招聘人数": 3,
    }
    record = map_row(raw, kind="postings", mapping=ImportMapping(source="api"))
    assert record == {
        "source_id": "n1",
        "title": "电工",
        "employer": {"name": "甲厂"},
        "skills": ["接线"],
        "headcount": 3,
        "source": "api",
    }


def test_the_shipped_example_mapping_loads_and_maps() -> None:
    mapping = load_mapping("example-jobfair", directory=SHIPPED_MAPPINGS, kind="postings")
    record = map_row(
        {
            "展位号": "A12",
            "招工岗位名": "叉车司机",
            "用人企业（盖章）": "丙公司",
            "报名咨询": "0371-66668888",
        },
        kind="postings",
        mapping=mapping,
    )
    assert record == {
        "title": "叉车司机",
        "employer": {"name": "丙公司"},
        "description": "报名咨询：0371-66668888",
        "location": "河南省郑州市",
        "job_type": "全职",
        "source": "zz-jobfair",
        "source_id": "A12-叉车司机",
    }


def test_mapping_files_are_checked(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("columns:\n  岗位: no_such_field\n", encoding="utf-8")
    (tmp_path / "seekers-only.yaml").write_text("kind: seekers\n", encoding="utf-8")
    for name, code in (
        ("missing", "UNKNOWN_MAPPING"),
        ("../etc", "UNKNOWN_MAPPING"),
        ("bad", "MAPPING_INVALID"),
        ("seekers-only", "MAPPING_KIND_MISMATCH"),
    ):
        with pytest.raises(BadRequest) as raised:
            load_mapping(name, directory=tmp_path, kind="postings")
        assert raised.value.code == code
