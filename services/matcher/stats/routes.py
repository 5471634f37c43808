"""Statistics for staff (API.md "Matching"): supply and demand, and the partner provinces' recruiting."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.matcher.stats.models import PartnerRecruitingResponse, SupplyDemandResponse
from services.matcher.stats.partner_recruiting import partner_recruiting
from services.matcher.stats.supply_demand import GroupBy, Scope, supply_demand
from shared.domain.problems import Problem, shown
from shared.domain.regions import get_region
from shared.errors import BadRequest
from shared.index.posting_queries import known_region_code
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.web.access import requires
from shared.web.deps import PostingsIndexDep, SeekersIndexDep, SettingsDep
from shared.web.responses import COMMON_ERRORS, PARAMETER_ERRORS, error_responses

router = APIRouter(prefix="/v1/stats", tags=["statistics"], responses=COMMON_ERRORS)
Statistician = Annotated[Principal, Depends(requires(Permission.STATISTICS))]
REGION_PARAMETER = r"^[0-9０-９]{6}$"


class SupplyDemandQuery(BaseModel):
    region: Annotated[
        str | None,
        Field(pattern=REGION_PARAMETER, description="GB/T 2260 code of any level; not given: every region"),
    ] = None
    group_by: Annotated[
        GroupBy | None, Field(description="rows one level below `region` (provinces when not given)")
    ] = None
    period: Annotated[
        str | None,
        Field(
            pattern=r"^([1-9]|[1-4][0-9]|5[0-2])w$",
            description="`12w`: a weekly series over the last 12 weeks (1w to 52w), the current week last",
        ),
    ] = None


@router.get(
    "/supply-demand",
    summary="Open vacancies, active seekers and their ratio (求人倍率) by region and occupation",
    response_model=SupplyDemandResponse,
    responses={**error_responses(400), **PARAMETER_ERRORS},
)
def get_supply_demand(
    postings: PostingsIndexDep,
    seekers: SeekersIndexDep,
    settings: SettingsDep,
    principal: Statistician,
    query: Annotated[SupplyDemandQuery, Query()],
) -> SupplyDemandResponse:
    region = known_region_code(query.region, "region") if query.region else None
    return supply_demand(
        postings=postings,
        seekers=seekers,
        scope=Scope({"region": region}),
        group_by=query.group_by,
        weeks=int(query.period.removesuffix("w")) if query.period else None,
        settings=settings,
        now=datetime.now(UTC),
    )


@router.get(
    "/partner-recruiting",
    summary="Per partner province, the open posts there recruiting in a province (省际劳务协作)",
    response_model=PartnerRecruitingResponse,
    responses={**error_responses(400), **PARAMETER_ERRORS},
)
def get_partner_recruiting(
    postings: PostingsIndexDep,
    principal: Statistician,
    province: Annotated[
        str,
        Query(pattern=REGION_PARAMETER, description="GB/T 2260 code of a province: where the posts recruit"),
    ],
) -> PartnerRecruitingResponse:
    code = known_region_code(province, "province")
    region = get_region(code)
    if region is None or region.level != "province":
        typed = unicodedata.normalize("NFKC", province).strip()
        message = f"{shown(typed)} 不是省级行政区划代码"
        problem = Problem.of("province", "NOT_A_PROVINCE", message)
        raise BadRequest(message, code="NOT_A_PROVINCE", details=[problem.model_dump()])
    return partner_recruiting(postings=postings, province=code, now=datetime.now(UTC))
