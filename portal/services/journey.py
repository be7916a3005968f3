"""Where a household is in the adoption journey, read through one function.

Other features (event audiences, newsletters' audiences, reports) ask ``stage_of`` rather
than reading columns, so that the Stage 1/Stage 2 tracking can refine what it means (a
paused household, an accepted ROI before Stage 1 begins) in one place.
"""
from __future__ import annotations

from portal.models import Household, HouseholdStage

ORDER = [
    HouseholdStage.REGISTERED, HouseholdStage.ROI_SUBMITTED, HouseholdStage.STAGE_1, HouseholdStage.BREAK,
    HouseholdStage.STAGE_2, HouseholdStage.APPROVED, HouseholdStage.MATCHED, HouseholdStage.PLACED,
    HouseholdStage.ADOPTED,
]


def stage_of(household: Household) -> HouseholdStage:
    return household.stage


def has_reached(household: Household, stage: HouseholdStage) -> bool:
    """True if the household is at ``stage`` or further along (never for a closed household)."""
    current = stage_of(household)
    if current not in ORDER:
        return False
    return ORDER.index(current) >= ORDER.index(stage)


def enter_stage_1(session, actor, household: Household, *, on, now=None) -> None:
    """The household's registration of interest was accepted: Stage 1 starts ``on`` that date."""
    from portal.services import audit

    if household.stage not in (HouseholdStage.REGISTERED, HouseholdStage.ROI_SUBMITTED):
        from portal.services.errors import DomainError

        raise DomainError(f"This household cannot start Stage 1: it is at {household.stage.label}")
    old = household.stage
    household.stage = HouseholdStage.STAGE_1
    household.stage_entered_on = on
    audit.record(session, actor, "entered_stage_1", household, summary="Registration of interest accepted: Stage 1 started",
                 changes={"stage": [old.value, HouseholdStage.STAGE_1.value]}, now=now)
