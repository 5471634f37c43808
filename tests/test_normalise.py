"""Input model → stored record: dates, versions and the problems that reject a record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.ingest.batch import check_record
from tests.helpers import posting

RECEIVED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def accepted(raw: dict) -> dict:
    record, outcome = check_record("postings", raw, received_at=RECEIVED)
    assert record is not None, outcome
    return record.model_dump(mode="json")


def rejected(raw: dict) -> list[dict]:
    record, outcome = check_record("postings", raw, received_at=RECEIVED)
    assert record is None and outcome.errors
    return [problem.model_dump() for problem in outcome.errors]


def test_a_deadline_given_as_a_date_lasts_to_the_end_of_that_day() -> None:
    record = accepted(posting("1", "电工", expires_at="2026-11-20"))
    assert record["expires_at"] == "2026-11-20T23:59:59+08:00"
    assert datetime.fromisoformat(record["posted_at"]) == RECEIVED


def test_local_times_without_offset_are_beijing_time() -> None:
    record = accepted(posting("2", "电工", posted_at="2026-11-19 08:30", expires_at="2026-12-01T18:00:00"))
    assert record["posted_at"] == "2026-11-19T08:30:00+08:00"
    assert record["expires_at"] == "2026-12-01T18:00:00+08:00"


def test_deadline_before_the_given_posting_time_is_rejected() -> None:
    errors = rejected(posting("3", "电工", posted_at="2026-11-19", expires_at="2026-11-18"))
    assert errors[0]["code"] == "EXPIRES_BEFORE_POSTED"


def test_an_update_time_from_the_future_is_rejected_but_clock_skew_is_tolerated() -> None:
    assert (
        rejected(posting("4", "电工", updated_at="2030-01-01T00:00:00+08:00"))[0]["code"]
        == "UPDATED_IN_FUTURE"
    )
    skewed = accepted(posting("5", "电工", updated_at="2026-11-20T10:03:00+08:00"))
    assert skewed["version"] == int(datetime(2026, 11, 20, 2, 3, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize("source_id", ["a/b", "/x", " "])
def test_ids_that_cannot_sit_in_a_url_path_are_rejected(source_id: str) -> None:
    errors = rejected(posting(source_id, "电工"))
    assert errors[0]["field"] == "source_id"


def test_a_renamed_region_code_is_accepted_as_its_successor_with_a_warning() -> None:
    record, outcome = check_record(
        "postings", posting("6", "电工", region_code="411023", location=None), received_at=RECEIVED
    )
    assert record is not None and record.location.region_code == "411003"
    assert outcome.warnings and outcome.warnings[0].code == "REGION_CODE_RENAMED"
