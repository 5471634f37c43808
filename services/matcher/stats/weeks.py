"""The weeks of a supply-demand series: Monday to Sunday in Beijing time, the last one the current week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Week:
    start: datetime
    """Monday 00:00, Beijing time."""

    @property
    def key(self) -> str:
        return self.start.date().isoformat()

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.start + _WEEK - timedelta(days=1)).date()

    def bounds(self) -> tuple[int, int]:
        """Epoch seconds: the first included, the second the next week's first."""
        return int(self.start.timestamp()), int((self.start + _WEEK).timestamp())


def last_weeks(count: int, now: datetime) -> list[Week]:
    """``count`` weeks, oldest first, ending with the one ``now`` is in."""
    today = now.astimezone(BEIJING).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), BEIJING)
    return [Week(monday - _WEEK * back) for back in range(count - 1, -1, -1)]


def week_ranges(weeks: list[Week]) -> tuple[tuple[str, float | None, float | None], ...]:
    """Range-facet buckets over an epoch-seconds field, one per week."""
    return tuple((week.key, *week.bounds()) for week in weeks)


def week_of(moment: datetime, weeks: list[Week]) -> str | None:
    """The key of the week ``moment`` falls in; None outside them."""
    seconds = moment.timestamp()
    for week in weeks:
        first, after = week.bounds()
        if first <= seconds < after:
            return week.key
    return None
