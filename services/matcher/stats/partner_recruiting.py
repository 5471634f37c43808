"""Per partner province (省际劳务协作, ``shared.domain.partners``), the open posts there that recruit in a
given province (their ``target_provinces``): what staff arranging organised labour transfers look at."""

from __future__ import annotations

from datetime import datetime

from services.matcher.stats.models import PartnerFigures, PartnerRecruitingResponse
from services.matcher.stats.supply_demand import region_label
from shared.domain.partners import partner_provinces
from shared.index.fields import PostingField
from shared.index.posting_queries import open_postings
from shared.ports.search_index import Facet, SearchIndex, SearchRequest, SumFacet, Terms, TermsFacet


def partner_recruiting(*, postings: SearchIndex, province: str, now: datetime) -> PartnerRecruitingResponse:
    partners = sorted(partner_provinces(province))
    figures = [_partner(postings, province, partner, now) for partner in partners]
    figures.sort(key=lambda row: (-row.vacancies, -row.postings))
    return PartnerRecruitingResponse(province=region_label(province), partners=figures)


def _partner(postings: SearchIndex, province: str, partner: str, now: datetime) -> PartnerFigures:
    filters = open_postings(
        [Terms(PostingField.REGION_PATH, (partner,)), Terms(PostingField.TARGET_PROVINCES, (province,))],
        has_text=False,
        now=now.timestamp(),
    )
    # Every open post's status is "open": its one bucket sums them all.
    facets: dict[str, Facet] = {
        "vacancies": SumFacet(TermsFacet(PostingField.STATUS, size=1), PostingField.VACANCIES)
    }
    found = postings.search(SearchRequest(filters=filters, limit=0, facets=facets))
    return PartnerFigures(
        province=region_label(partner),
        postings=found.total,
        vacancies=sum(count for _, count in found.facets["vacancies"]),
    )
