"""The household's journey: Stage 1, the break, Stage 2, panel and the agency's decision.

``household.stage`` and ``household.stage_entered_on`` stay the summary the rest of the portal
reads; the detail lives on the household's current ``Journey``. The package is split by job:

- ``stages``: what stage a household is at (``stage_of``, ``has_reached``);
- ``deadlines``: the statutory clocks, their due dates and each one's status;
- ``steps``: the writes that move an assessment on;
- ``casework``: the social worker, statutory checks and case notes;
- ``closure_days``: days the region or an agency is closed;
- ``record``: the journey record staff see;
- ``caseload``: the caseload and the manager's view.

What the household sees is ``services.progress``. Callers use ``from portal.services import
journey`` and ``journey.<name>``: the names below are the package's public surface.
"""
from __future__ import annotations

from portal.services.journey.caseload import LIST_STATUSES, Overview, OverviewRow, overview
from portal.services.journey.casework import (
    STANDARD_CHECKS, add_checks, add_note, assign_social_worker, check_viewed, create_checks, update_check,
)
from portal.services.journey.deadlines import (
    BREAK_MONTHS, CLOCKS, CLOCKS_BY_KEY, DEFAULT_ADM_WORKING_DAYS, DUE_SOON_DAYS, PAR_COMMENTS_WORKING_DAYS,
    REVIEW_WORKING_DAYS, STAGE_1_DECISION_WORKING_DAYS, STAGE_1_MONTHS, STAGE_2_MONTHS, Clock, ClockDef, ClockStatus,
    clock_status, clocks, due_dates, refresh_clocks,
)
from portal.services.journey.closure_days import add_closure_day, refresh_open_journeys, remove_closure_day
from portal.services.journey.record import (
    JOURNEY_EVENTS, JourneyRecord, TimelineItem, record_for, stage_days, timeline_for,
)
from portal.services.journey.stages import ORDER, has_reached, stage_of
from portal.services.journey.steps import (
    DATE_STEPS, MAX_EXTENSION_WEEKS, DateStep, add_visit, current_journey, decide_adm, decide_stage_1, enter_stage_1,
    extend_stage_1, fast_track, give_notice, pause, record_date_step, record_panel_outcome, resume,
    stage_1_outstanding, start_again, withdraw,
)
from portal.services.journey.writing import (
    CASEWORK_ROLES, CONFLICT_MESSAGE, DECISION_ROLES, PAUSED_MESSAGE, START_ROLES,
)

__all__ = [
    "BREAK_MONTHS", "CASEWORK_ROLES", "CLOCKS", "CLOCKS_BY_KEY", "CONFLICT_MESSAGE", "DATE_STEPS", "DECISION_ROLES",
    "DEFAULT_ADM_WORKING_DAYS", "DUE_SOON_DAYS", "JOURNEY_EVENTS", "LIST_STATUSES", "MAX_EXTENSION_WEEKS", "ORDER",
    "PAR_COMMENTS_WORKING_DAYS", "PAUSED_MESSAGE", "REVIEW_WORKING_DAYS", "STAGE_1_DECISION_WORKING_DAYS",
    "STAGE_1_MONTHS", "STAGE_2_MONTHS", "STANDARD_CHECKS", "START_ROLES", "Clock", "ClockDef", "ClockStatus",
    "DateStep", "JourneyRecord", "Overview", "OverviewRow", "TimelineItem", "add_checks", "add_closure_day",
    "add_note", "add_visit", "assign_social_worker", "check_viewed", "clock_status", "clocks", "create_checks",
    "current_journey", "decide_adm", "decide_stage_1", "due_dates", "enter_stage_1", "extend_stage_1", "fast_track",
    "give_notice", "has_reached", "overview", "pause", "record_date_step", "record_for", "record_panel_outcome",
    "refresh_clocks", "refresh_open_journeys", "remove_closure_day", "resume", "stage_1_outstanding", "stage_days",
    "stage_of", "start_again", "timeline_for", "update_check", "withdraw",
]
