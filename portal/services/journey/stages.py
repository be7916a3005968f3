"""What stage a household is at, as the rest of the portal reads it.

Other features (event audiences, newsletters' audiences, reports) ask ``stage_of`` and
``has_reached`` rather than reading columns, so that what a stage means is decided here.
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
