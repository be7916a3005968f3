from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextInput
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.blueprints.enquiries.forms import (
    CheckboxesInput, RadioInput, date_field, enum_radio, paragraph_field, parse_time, plain_text, text_field,
)
from portal.blueprints.fields import strip, submit
from portal.models import CloseReason, EnquiryStatus, VisitMethod, VisitOutcome
from portal.services.enquiries import MANUAL_STATUSES
from portal.services.triage import BULK_ACTIONS, SORTS

# Reasons staff choose by hand; the ROI ones follow from the decision.
MANUAL_REASONS = [r for r in CloseReason if r not in (CloseReason.ROI_ACCEPTED, CloseReason.ROI_DECLINED)]


def _reason_choices():
    return [SelectChoice("", "Choose a reason")] + [SelectChoice(r.value, r.label) for r in MANUAL_REASONS]


class FilterForm(FlaskForm):
    """The queue's filters: a GET form, so a filtered list can be bookmarked or shared."""

    class Meta:
        csrf = False

    q = StringField("Search", filters=[strip], widget=GovTextInput(),
                    description="Name, email, phone, postcode or reference",
                    validators=[Optional(), Length(max=100, message="Search must be 100 characters or fewer")])
    status = SelectMultipleField("Status", choices=[SelectChoice(s.value, s.label) for s in EnquiryStatus],
                                 widget=CheckboxesInput(), validators=[Optional()],
                                 description="None ticked: every open enquiry")
    agency = SelectField("Agency", widget=GovSelect(), validators=[Optional()])
    assigned = SelectField("Assigned to", widget=GovSelect(), validators=[Optional()])
    overdue = BooleanField("Only overdue", widget=GovCheckboxInput(), validators=[Optional()])
    sort = SelectField("Sort by", choices=[SelectChoice(k, v) for k, v in SORTS.items()], widget=GovSelect(),
                       validators=[Optional()])


class BulkForm(FlaskForm):
    action = SelectField("What to do", widget=GovSelect(),
                         choices=[SelectChoice("", "Choose an action")] + [SelectChoice(k, v) for k, v in BULK_ACTIONS.items()],
                         validators=[InputRequired("Choose what to do with the selected enquiries")])
    assignee = SelectField("Assign to", widget=GovSelect(), validators=[Optional()])
    reason = SelectField("Reason for closing", widget=GovSelect(), choices=_reason_choices(), validators=[Optional()])
    submit = submit("Apply to selected")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.action.data == "close" and not self.reason.data and not self.reason.errors:
            self.reason.errors = list(self.reason.errors) + ["Select why you are closing these enquiries"]
            ok = False
        if self.action.data == "assign" and not self.assignee.data and not self.assignee.errors:
            self.assignee.errors = list(self.assignee.errors) + ["Choose who to assign them to"]
            ok = False
        return ok


class AssignForm(FlaskForm):
    assignee = SelectField("Assigned to", widget=GovSelect(), validators=[Optional()])
    submit = submit("Save")


class NoteForm(FlaskForm):
    note = paragraph_field("Add a note", "Enter a note", max_length=5000, noun="The note",
                           description="Notes are for the team: the enquirer does not see them.")
    submit = submit("Add note")


class StatusForm(FlaskForm):
    status = enum_radio("What is the enquiry's status now?", EnquiryStatus, "Select a status", only=MANUAL_STATUSES)
    reason = SelectField("Why are you closing it?", widget=GovSelect(), choices=_reason_choices(), validators=[Optional()])
    note = text_field("Anything to add about closing it? (optional)", max_length=500, noun="The note")
    submit = submit("Save status")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.status.data == EnquiryStatus.CLOSED and not self.reason.data and not self.reason.errors:
            self.reason.errors = list(self.reason.errors) + ["Select why you are closing this enquiry"]
            ok = False
        return ok

    @property
    def close_reason(self) -> CloseReason | None:
        return CloseReason(self.reason.data) if self.reason.data else None


class TransferForm(FlaskForm):
    agency = SelectField("Which agency should have this enquiry?", widget=GovSelect(),
                         validators=[InputRequired("Choose the agency to transfer it to")])
    reason = text_field("Why are you transferring it?", "Enter why you are transferring this enquiry", max_length=250,
                        noun="The reason",
                        description="For example, they live in Eastbridge, not Northvale. The receiving agency sees this.")
    submit = submit("Transfer enquiry")

    def validate_agency(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError("Choose the agency to transfer it to")


class VisitOfferForm(FlaskForm):
    offered_on = date_field("When was the visit offered?", "Enter the date the visit was offered",
                            noun="The date the visit was offered", description="For example, 27 3 2026")
    submit = submit("Record the offer")


class VisitBookForm(FlaskForm):
    visit_on = date_field("Date of the visit", "Enter the date of the visit", description="For example, 27 3 2026")
    visit_time = StringField("Time", filters=[strip], widget=GovTextInput(), description="For example, 10am or 2:30pm",
                             validators=[InputRequired("Enter the time of the visit"),
                                         Length(max=10, message="Enter a time, like 10am or 2:30pm"), plain_text])
    method = enum_radio("How will you meet?", VisitMethod, "Select how you will meet")
    social_worker = SelectField("Social worker", widget=GovSelect(), validators=[Optional()])
    submit = submit("Book the visit")

    def validate_visit_time(self, field):
        if field.data and parse_time(field.data) is None:
            raise ValidationError("Enter a time, like 10am or 2:30pm")

    @property
    def time(self):
        return parse_time(self.visit_time.data)


class VisitOutcomeForm(FlaskForm):
    outcome = enum_radio("How did the visit go?", VisitOutcome, "Select how the visit went")
    note = paragraph_field("Notes about the visit (optional)", max_length=1000)
    submit = submit("Record the outcome")


class DecisionForm(FlaskForm):
    decision = RadioField("Your decision", widget=RadioInput(),
                          choices=[SelectChoice("accept", "Accept: Stage 1 starts today"),
                                   SelectChoice("decline", "Do not accept")],
                          validators=[InputRequired("Select whether you accept the registration of interest")])
    reasons = paragraph_field("Reasons", max_length=3000,
                              description="Needed if you do not accept it. The household reads these in the portal.")
    submit = submit("Record the decision")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.decision.data == "decline" and not self.reasons.data and not self.reasons.errors:
            self.reasons.errors = list(self.reasons.errors) + ["Enter the reasons for not accepting it: the household will read them"]
            ok = False
        return ok
