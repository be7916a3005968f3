"""All models, imported here so that the metadata is complete for Alembic and the app."""
from portal.models.agencies import Agency, Area
from portal.models.audit import AuditEvent
from portal.models.enquiries import (
    ActivityKind, ApplyingAs, CloseReason, ContactMethod, ContactTime, DueKind, Enquiry, EnquiryActivity, EnquirySource,
    EnquiryStatus, EnquiryToken, EnquiryTokenPurpose, HeardFrom, InitialVisit, VisitMethod, VisitOutcome,
)
from portal.models.events import (
    Attendance, Audience, Booking, BookingAttendee, BookingStatus, BookingToken, CalendarFeed, Event, EventDay,
    EventFormat, EventKind, EventSeries, EventStatus, ReminderKind, ReminderLog,
)
from portal.models.households import STAGE_LABELS, Household, HouseholdStage
from portal.models.journey import (
    AdmDecision, CaseNote, CheckKind, CheckOutcome, ClosureDay, FastTrackReason, HomeVisit, Journey, JourneyPause,
    JourneyStatus, PanelRecommendation, PauseReason, Stage1Decision, StatutoryCheck,
)
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.roi import (
    PersonKind, PreviousKind, RegistrationOfInterest, RelationshipStatus, RoiApplicant, RoiPerson, RoiPreviousApplication,
    RoiStatus,
)
from portal.models.training import TrainingCompletion
from portal.models.users import StaffRole, TokenPurpose, User, UserKind, UserSession, UserToken

__all__ = [
    "Agency", "Area", "AuditEvent", "Enquiry", "EnquirySource", "EnquiryStatus", "Household", "HouseholdStage", "STAGE_LABELS",
    "OutboxMessage", "OutboxStatus", "StaffRole", "TokenPurpose", "TrainingCompletion", "User", "UserKind",
    "UserSession", "UserToken",
]
__all__ += [
    "AdmDecision", "CaseNote", "CheckKind", "CheckOutcome", "ClosureDay", "FastTrackReason", "HomeVisit", "Journey",
    "JourneyPause", "JourneyStatus", "PanelRecommendation", "PauseReason", "Stage1Decision", "StatutoryCheck",
]
__all__ += [
    "ActivityKind", "ApplyingAs", "CloseReason", "ContactMethod", "ContactTime", "DueKind", "EnquiryActivity",
    "EnquiryToken", "EnquiryTokenPurpose", "HeardFrom", "InitialVisit", "VisitMethod", "VisitOutcome",
    "PersonKind", "PreviousKind", "RegistrationOfInterest", "RelationshipStatus", "RoiApplicant", "RoiPerson",
    "RoiPreviousApplication", "RoiStatus",
]
__all__ += [
    "Attendance", "Audience", "Booking", "BookingAttendee", "BookingStatus", "CalendarFeed", "Event", "EventDay",
    "EventFormat", "EventKind", "EventSeries", "EventStatus", "ReminderKind", "ReminderLog", "BookingToken",
]
