"""The recruitment team's queue of enquiries: search, filters, sorting, pages, bulk actions,
the service-clock summary and the CSV export.

Every query starts from ``access.enquiries_for(actor)``, so a partner agency's staff only ever
count, list or export their own agency's enquiries. A page costs the same fixed handful of SQL
statements however many enquiries there are: one count, one page of rows with their agencies
and assignees, and the clock summary.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from portal.clock import today_in_london, utcnow
from portal.models import CloseReason, DueKind, Enquiry, EnquiryStatus, User
from portal.services import access, audit, enquiries
from portal.services.csv_cells import safe_cell
from portal.services.errors import DomainError, flush_or_conflict

PAGE_SIZE = 50
SORTS = {
    "due": "Due soonest",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "name": "Last name, A to Z",
}


@dataclass
class Filters:
    q: str = ""
    statuses: list[EnquiryStatus] = field(default_factory=list)  # none chosen: every open enquiry
    agency_id: int | None = None
    assigned: str = ""  # "", "me", "none" or a member of staff's id
    overdue: bool = False
    sort: str = "due"

    def as_args(self) -> dict:
        """The filters as query-string arguments, for links that keep them (pages, export)."""
        args: dict = {}
        if self.q:
            args["q"] = self.q
        if self.statuses:
            args["status"] = [s.value for s in self.statuses]
        if self.agency_id:
            args["agency"] = self.agency_id
        if self.assigned:
            args["assigned"] = self.assigned
        if self.overdue:
            args["overdue"] = "1"
        if self.sort != "due":
            args["sort"] = self.sort
        return args


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(actor: User, filters: Filters, today: date) -> Select:
    query = access.enquiries_for(actor)
    if filters.statuses:
        query = query.where(Enquiry.status.in_(filters.statuses))
    else:
        query = query.where(Enquiry.status != EnquiryStatus.CLOSED)
    if filters.agency_id:
        query = query.where(Enquiry.agency_id == filters.agency_id)
    if filters.assigned == "me":
        query = query.where(Enquiry.assigned_to_id == actor.id)
    elif filters.assigned == "none":
        query = query.where(Enquiry.assigned_to_id.is_(None))
    elif filters.assigned.isdigit() and len(filters.assigned) < 19:  # an id a column can hold
        query = query.where(Enquiry.assigned_to_id == int(filters.assigned))
    if filters.overdue:
        query = query.where(Enquiry.due_on < today)
    whole_phone = enquiries.normalise_phone(filters.q)
    if whole_phone and len(whole_phone) >= 5 and whole_phone.isdigit() and not re.search(r"[^\d\s()+\-.]", filters.q):
        # A phone number however it is written: "07700 900 982", "+44 7700 900982".
        return query.where(Enquiry.phone.like(_like(whole_phone), escape="\\"))
    for word in filters.q.split()[:6]:
        like = _like(word.lower())
        matches = [
            func.lower(Enquiry.first_name).like(like, escape="\\"),
            func.lower(Enquiry.last_name).like(like, escape="\\"),
            func.lower(Enquiry.partner_last_name).like(like, escape="\\"),
            Enquiry.email.like(like, escape="\\"),
            func.lower(Enquiry.reference).like(like, escape="\\"),
            func.lower(Enquiry.postcode).like(like, escape="\\"),
        ]
        query = query.where(or_(*matches))
    return query


def _ordered(query: Select, sort: str) -> Select:
    if sort == "newest":
        return query.order_by(Enquiry.created_at.desc(), Enquiry.id.desc())
    if sort == "oldest":
        return query.order_by(Enquiry.created_at, Enquiry.id)
    if sort == "name":
        return query.order_by(func.lower(Enquiry.last_name), func.lower(Enquiry.first_name), Enquiry.id)
    # Due soonest: the most overdue first, then those with no clock running, newest first.
    return query.order_by(Enquiry.due_on.is_(None), Enquiry.due_on, Enquiry.created_at.desc(), Enquiry.id.desc())


@dataclass
class Row:
    enquiry: Enquiry
    clock: enquiries.Clock


@dataclass
class QueuePage:
    rows: list[Row]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.page_size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.page_size)


def queue(session: Session, actor: User, filters: Filters, *, page: int = 1, page_size: int = PAGE_SIZE,
          now: datetime | None = None) -> QueuePage:
    today = today_in_london(now or utcnow())
    query = filtered(actor, filters, today)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    # The database sorts and cuts the page from the enquiries' own columns, then joins the
    # page's fifty rows (not all ten thousand) to their agencies and assignees: one statement.
    page_ids = (_ordered(query.with_only_columns(Enquiry.id), filters.sort)
                .offset((page - 1) * page_size).limit(page_size))
    rows = session.scalars(
        _ordered(select(Enquiry).where(Enquiry.id.in_(page_ids)), filters.sort)
        .options(joinedload(Enquiry.agency), joinedload(Enquiry.assigned_to))
    ).unique().all()
    return QueuePage([Row(e, enquiries.clock_for(e, today)) for e in rows], total, page, page_size)


@dataclass
class ClockSummary:
    """How many enquiries are overdue or due today on each service clock, within scope."""

    overdue: dict[DueKind, int]
    due_today: dict[DueKind, int]

    @property
    def total_overdue(self) -> int:
        return sum(self.overdue.values())

    @property
    def total_due_today(self) -> int:
        return sum(self.due_today.values())

    @property
    def rows(self) -> list[tuple[str, int, int]]:
        """(service standard, overdue, due today), one per clock, for tables."""
        labels = {
            DueKind.FIRST_CONTACT: "First contact with a new enquirer",
            DueKind.VISIT_OFFER: "Initial visit offered within 4 weeks of the information evening",
            DueKind.ROI_DECISION: "Registration of interest decided within 5 working days",
        }
        return [(labels[kind], self.overdue[kind], self.due_today[kind]) for kind in DueKind]


def clock_summary(session: Session, actor: User, *, now: datetime | None = None) -> ClockSummary:
    today = today_in_london(now or utcnow())
    scoped = access.enquiries_for(actor).where(Enquiry.due_on <= today, Enquiry.status != EnquiryStatus.CLOSED).subquery()
    state = case((scoped.c.due_on < today, "overdue"), else_="today")
    overdue: dict[DueKind, int] = {kind: 0 for kind in DueKind}
    due_today: dict[DueKind, int] = {kind: 0 for kind in DueKind}
    for kind, when, count in session.execute(select(scoped.c.due_kind, state, func.count()).group_by(scoped.c.due_kind, state)):
        if kind is None:
            continue
        kind = DueKind(kind)
        (overdue if when == "overdue" else due_today)[kind] = count
    return ClockSummary(overdue, due_today)


# Bulk actions ------------------------------------------------------------------------------------

BULK_ACTIONS = {"assign": "Assign to", "contacted": "Mark as contacted", "close": "Close"}


def bulk(session: Session, actor: User, ids: list[int], action: str, *, assignee: User | None = None,
         reason: CloseReason | None = None, now: datetime | None = None) -> int:
    """Apply one action to several enquiries at once; all or nothing. Returns how many changed."""
    now = now or utcnow()
    wanted = sorted(set(ids))
    if not wanted:
        raise DomainError("Select at least one enquiry", "ids")
    chosen = session.scalars(access.enquiries_for(actor).where(Enquiry.id.in_(wanted))).all()
    if len(chosen) != len(wanted):
        raise DomainError("Some of the enquiries you selected could not be found. Reload the page and try again", "ids")
    changed = 0
    for enquiry in chosen:
        if action == "assign":
            if assignee is not None and assignee.agency_id != enquiry.agency_id:
                raise DomainError(f"{assignee.full_name} does not work for the agency that holds {enquiry.reference}", "assignee")
            if enquiry.assigned_to_id != (assignee.id if assignee else None):
                enquiries.assign(session, actor, enquiry, assignee, now=now)
                changed += 1
        elif action == "contacted":
            if enquiry.status == EnquiryStatus.NEW:
                enquiries.change_status(session, actor, enquiry, EnquiryStatus.CONTACTED, now=now)
                changed += 1
        elif action == "close":
            if reason is None:
                raise DomainError("Select why you are closing these enquiries", "reason")
            if not enquiry.is_closed:
                enquiries.close(session, actor, enquiry, reason, now=now)
                changed += 1
        else:
            raise DomainError("Choose what to do with the selected enquiries", "action")
    flush_or_conflict(session)
    return changed


# CSV export ------------------------------------------------------------------------------------

EXPORT_FILENAME = "enquiries.csv"
EXPORT_COLUMNS = [
    "Reference", "Received", "Agency", "Status", "Closed reason", "First name", "Last name", "Partner's name",
    "Applying", "Email", "Phone", "Contact by", "Best time", "Postcode", "Area", "Heard about us", "Assigned to",
    "Due", "Due for", "Enquired before as", "Message",
]


def _earlier(enquiry: Enquiry, visible_ids: set[int]) -> str:
    if enquiry.duplicate_of is None:
        return ""
    return enquiry.duplicate_of.reference if enquiry.duplicate_of_id in visible_ids else "Another partner agency"


def _export_query(actor: User, filters: Filters, today: date) -> Select:
    return (_ordered(filtered(actor, filters, today), filters.sort)
            .options(joinedload(Enquiry.agency), joinedload(Enquiry.assigned_to), joinedload(Enquiry.area),
                     joinedload(Enquiry.duplicate_of)))


def export_csv(session: Session, actor: User, filters: Filters, *, now: datetime | None = None) -> str:
    """The filtered enquiries as CSV (RFC 4180: CRLF line ends, quoted where needed), audited."""
    now = now or utcnow()
    today = today_in_london(now)
    total = session.scalar(select(func.count()).select_from(filtered(actor, filters, today).order_by(None).subquery()))
    audit.record(session, actor, "exported", ("Enquiry", None), summary=f"Exported {total} enquiries to CSV",
                 agency_id=actor.agency_id, changes={"filters": filters.as_args()}, now=now)
    rows = session.scalars(_export_query(actor, filters, today)).unique().all()
    # An earlier enquiry held by another partner agency is named only as that, never by reference.
    earlier_ids = {e.duplicate_of_id for e in rows if e.duplicate_of_id is not None}
    visible_earlier = set(session.scalars(
        access.enquiries_for(actor).with_only_columns(Enquiry.id).where(Enquiry.id.in_(earlier_ids)))) if earlier_ids else set()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for e in rows:
        writer.writerow([safe_cell(v) for v in (
            e.reference, today_in_london(e.created_at).isoformat(), e.agency.short_name, e.status.label,
            e.closed_reason.label if e.closed_reason else "", e.first_name, e.last_name, e.partner_name,
            e.applying_as.label if e.applying_as else "", e.email, e.phone or "",
            e.contact_method.label if e.contact_method else "", e.contact_time.label if e.contact_time else "",
            e.postcode or "", e.area.name if e.area else "", e.heard_from.label if e.heard_from else "",
            e.assigned_to.full_name if e.assigned_to else "", e.due_on.isoformat() if e.due_on else "",
            e.due_kind.label if e.due_kind else "", _earlier(e, visible_earlier), e.message or "",
        )])
    return buffer.getvalue()
