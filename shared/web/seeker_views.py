"""What staff see of a seeker profile: personal fields masked unless the key's role may see them.

A kiosk, a mobile backend or a partner never gets a profile (their roles
lack the permission); for staff, name and phone are masked (王*芝,
138****5678) and, for ``staff_pii``, shown. The ID number is never shown:
only its keyed hash is stored, and of it staff see the masked form.
``fields`` says what was disclosed and how, for the audit record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.domain.id_number import mask_name, mask_phone
from shared.domain.inputs import SeekerGroup
from shared.domain.records import SeekerRecord
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.web.posting_views import RegionView


class SeekerView(BaseModel):
    id: str
    source: str
    source_id: str
    name: str | None = Field(description="masked (王*芝) unless the key's role is staff_pii or admin")
    phone: str | None = Field(description="masked (138****5678) unless the key's role is staff_pii or admin")
    id_number: str | None = Field(description="always masked (110*************2X): the number is not stored")
    personal_data: Literal["masked", "shown"]
    birth_year: int | None
    region: RegionView
    desired_titles: list[str]
    desired_region_codes: list[str]
    willing_to_relocate: bool
    expected_salary_min: float | None
    skills: list[str]
    certificates: list[str]
    education: str | None
    major: str | None
    graduation_year: int | None
    experience_years: float | None
    work_history: str
    groups: list[SeekerGroup]
    consent_share_with_partners: bool
    status: Literal["seeking", "employed"]
    updated_at: datetime


VIEW_FIELDS = tuple(name for name in SeekerView.model_fields if name not in ("personal_data",))


def seeker_view(record: SeekerRecord, principal: Principal) -> tuple[SeekerView, list[str]]:
    """The view and the fields it discloses (personal ones as name:masked / name:shown)."""
    shown = principal.can(Permission.PERSONAL_DATA)
    how: Literal["masked", "shown"] = "shown" if shown else "masked"
    name = record.name if shown or record.name is None else mask_name(record.name)
    phone = record.phone if shown or record.phone is None else mask_phone(record.phone)
    view = SeekerView(
        id=record.id,
        source=record.source,
        source_id=record.source_id,
        name=name,
        phone=phone,
        id_number=record.id_number_masked,
        personal_data=how,
        birth_year=record.birth_year,
        region=RegionView(
            region_code=record.location.region_code,
            province=record.location.province,
            city=record.location.city,
            district=record.location.district,
        ),
        desired_titles=record.desired_titles,
        desired_region_codes=record.desired_region_codes,
        willing_to_relocate=record.willing_to_relocate,
        expected_salary_min=record.expected_salary_min,
        skills=record.skills,
        certificates=record.certificates,
        education=record.education,
        major=record.major,
        graduation_year=record.graduation_year,
        experience_years=record.experience_years,
        work_history=record.work_history,
        groups=record.groups,
        consent_share_with_partners=record.consent_share_with_partners,
        status=record.status,
        updated_at=record.updated_at,
    )
    disclosed = []
    for field in VIEW_FIELDS:
        value = getattr(view, field)
        if value in (None, "", []):
            continue
        if field in ("name", "phone"):
            disclosed.append(f"{field}:{how}")
        elif field == "id_number":
            disclosed.append("id_number:masked")
        else:
            disclosed.append(field)
    return view, disclosed


def visible_to_partners(record: SeekerRecord) -> bool:
    """A seeker is shared with partner provinces only with consent (what the exchange feeds read)."""
    return record.consent_share_with_partners
