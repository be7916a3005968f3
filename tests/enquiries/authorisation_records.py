"""The enquiry, triage and registration of interest rules for the wrong-person check.

``tests/foundation/test_authorisation.py`` owns the table; it merges ``OTHER_RECORD`` into
its own. Each function gets the test session and its ``World`` (two agencies, a household in
each) and builds a record that belongs to agency B / household B.
"""
from __future__ import annotations

from portal.clock import today_in_london, utcnow


def _enquiry(db, w) -> dict:
    from tests.factories import create_enquiry

    return {"enquiry_id": create_enquiry(db, agency=w.agency_b).id}


def _submitted_registration(db, w) -> dict:
    from portal.models import RoiStatus
    from tests.factories import create_registration

    registration = create_registration(db, w.household_b, complete=True, status=RoiStatus.SUBMITTED,
                                       submitted_at=utcnow(), decision_due_on=today_in_london())
    return {"roi_id": registration.id}


def _draft(db, w):
    from portal.models import RegistrationOfInterest
    from tests.factories import create_registration

    existing = db.query(RegistrationOfInterest).filter_by(household_id=w.household_b.id).first()
    return existing or create_registration(db, w.household_b)


def _person(db, w) -> dict:
    from datetime import date

    from portal.models import PersonKind, RoiPerson

    registration = _draft(db, w)
    person = RoiPerson(kind=PersonKind.CHILD_AT_HOME, full_name="Sam B", date_of_birth=date(2015, 6, 1),
                       relationship_to_you="Son")
    registration.people.append(person)
    db.flush()
    return {"person_id": person.id}


def _previous(db, w) -> dict:
    from portal.models import PreviousKind, RoiPreviousApplication

    registration = _draft(db, w)
    previous = RoiPreviousApplication(kind=PreviousKind.FOSTER, agency_name="Elsewhere", year=2015, outcome="Withdrew")
    registration.previous_applications.append(previous)
    db.flush()
    return {"previous_id": previous.id}


OTHER_RECORD = {
    **{f"/staff/enquiries/<int:enquiry_id>{tail}": _enquiry for tail in (
        "", "/assign", "/notes", "/status", "/transfer", "/visit", "/visit/offer", "/visit/book", "/visit/outcome",
        "/invite-to-register", "/invite-to-evening")},
    "/staff/registrations/<int:roi_id>": _submitted_registration,
    "/register-interest/people/<int:person_id>/remove": _person,
    "/register-interest/previous-applications/<int:previous_id>/remove": _previous,
}
