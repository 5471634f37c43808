"""What the statistics endpoints answer."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class Named(BaseModel):
    code: str
    name: str


class SupplyDemandRow(BaseModel):
    region: Named | None = Field(description="null: every region")
    occupation: Named | None = Field(description="null: every occupation")
    vacancies: int = Field(
        description="open vacancies: the headcount of open posts (1 for a post naming none)"
    )
    seekers: int = Field(description="active seekers, each person once")
    ratio: float | None = Field(
        description="求人倍率: vacancies per seeker, 2 decimals; null without seekers"
    )


class WeekFigures(BaseModel):
    week_start: date = Field(description="Monday, Beijing time")
    week_end: date = Field(description="Sunday; the last week is the current one, so far")
    vacancies: int = Field(description="headcount of the open posts posted this week")
    seekers: int = Field(description="persons seeking whose latest registration fell in this week")
    ratio: float | None


class SupplyDemandResponse(BaseModel):
    as_of: datetime
    active_days: int = Field(description="a seeker is active while seeking and registered within these days")
    total: SupplyDemandRow = Field(description="the region and occupation asked for, as a whole")
    rows: list[SupplyDemandRow] = Field(
        description="by `group_by`: one row per region or occupation one level below the one asked for "
        "that holds an open post or an active seeker, largest vacancies first"
    )
    series: list[WeekFigures] | None = Field(description="weekly, oldest first, when `period` is given")


class PartnerFigures(BaseModel):
    province: Named = Field(description="the partner province the posts are in")
    postings: int = Field(description="open posts there recruiting in the province asked for")
    vacancies: int = Field(description="their headcount (1 for a post naming none)")


class PartnerRecruitingResponse(BaseModel):
    province: Named = Field(description="the province asked for, where the posts recruit")
    partners: list[PartnerFigures] = Field(description="every partner province, most vacancies first")
