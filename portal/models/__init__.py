"""All models, imported here so that the metadata is complete for Alembic and the app."""
from portal.models.agencies import Agency, Area
from portal.models.audit import AuditEvent
from portal.models.enquiries import Enquiry, EnquirySource, EnquiryStatus
from portal.models.households import STAGE_LABELS, Household, HouseholdStage
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.training import TrainingCompletion
from portal.models.users import StaffRole, TokenPurpose, User, UserKind, UserSession, UserToken

__all__ = [
    "Agency", "Area", "AuditEvent", "Enquiry", "EnquirySource", "EnquiryStatus", "Household", "HouseholdStage", "STAGE_LABELS",
    "OutboxMessage", "OutboxStatus", "StaffRole", "TokenPurpose", "TrainingCompletion", "User", "UserKind",
    "UserSession", "UserToken",
]
