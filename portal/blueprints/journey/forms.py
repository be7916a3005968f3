"""Forms for recording the steps of a household's assessment. They check shape only: the
rules (order of steps, deadlines, who may decide) are the journey service's."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovDateInput, GovRadioInput, GovSelect, GovTextArea, GovTextInput,
)
from wtforms import Field, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation

from portal.blueprints.fields import no_control_characters, strip, submit
from portal.models import AdmDecision, CheckKind, CheckOutcome, FastTrackReason, PanelRecommendation, PauseReason, Stage1Decision
from portal.services.errors import Conflict

VERSION_MISSING_MESSAGE = ("We could not tell which version of this record the page showed. "
                           "Reload the page, check the record, then make your change again.")


class DateInputField(Field):
    """A GOV.UK date input (day, month, year) with the Design System's error messages."""

    widget = GovDateInput()

    def __init__(self, label: str = "", required_message: str | None = "Enter a date", **kwargs):
        super().__init__(label, **kwargs)
        self.required_message = required_message
        self._problem: str | None = None

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        self._problem = None
        # Always three parts (day, month, year), so the widget can show back what was sent.
        self.raw_data = (list(valuelist) + ["", "", ""])[:3]
        parts = [(value or "").strip() for value in self.raw_data]
        if not any(parts):
            self._problem = "missing"
            return
        if len(parts) < 3 or not all(parts):
            self._problem = "incomplete"
            return
        if not all(part.isdigit() for part in parts):
            self._problem = "invalid"
            return
        day, month, year = (int(part) for part in parts)
        if len(parts[2]) != 4:
            self._problem = "year"
            return
        try:
            self.data = date(year, month, day)
        except ValueError:
            self._problem = "invalid"

    def pre_validate(self, form):
        name = self.label.text or "The date"
        if self._problem == "missing" or (self._problem is None and self.data is None):
            if self.required_message:
                raise StopValidation(self.required_message)
            return
        if self._problem == "incomplete":
            raise StopValidation(f"{name} must include a day, month and year")
        if self._problem == "year":
            raise StopValidation("Year must include 4 numbers")
        if self._problem == "invalid":
            raise StopValidation(f"{name} must be a real date")


def _radio(label: str, choices, message: str, coerce=str, **kwargs):
    return RadioField(label, choices=choices, coerce=coerce, validators=[InputRequired(message)],
                      widget=GovRadioInput(), **kwargs)


def _enum_choices(enum_cls):
    return [(member.value, member.label) for member in enum_cls]


def _text(label: str, max_length: int, required_message: str | None = None, **kwargs):
    validators = [Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"), no_control_characters]
    if required_message:
        validators.insert(0, InputRequired(required_message))
    return StringField(label, filters=[strip], validators=validators, widget=GovTextInput(), **kwargs)


def _long_text(label: str, max_length: int, required_message: str, **kwargs):
    return TextAreaField(label, filters=[strip], validators=[
        InputRequired(required_message), Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")],
        widget=GovCharacterCount() if max_length <= 500 else GovTextArea(), **kwargs)


class VersionedForm(FlaskForm):
    # The record's version when the page was shown: saving after someone else did is refused.
    version = HiddenField()

    def expected_version(self) -> int:
        """The version the page was shown at. A missing or altered one is refused as a conflict:
        passing None on would skip the service's check and could overwrite someone's change.
        Read from what was posted: a missing field would otherwise keep the version the form was
        built with, the record's current one."""
        posted = self.version.raw_data or [""]
        value = posted[0].strip() if isinstance(posted[0], str) else ""
        if not value.isdigit():
            raise Conflict(VERSION_MISSING_MESSAGE)
        return int(value)


class DateStepForm(VersionedForm):
    on = DateInputField("Date", description="For example, 27 3 2026")
    submit = submit("Save")


class StartStage1Form(FlaskForm):
    on = DateInputField("When did Stage 1 start?", "Enter the date the registration of interest was accepted",
                        description="The day the registration of interest was accepted. For example, 27 3 2026")
    submit = submit("Start Stage 1")


class FastTrackForm(FlaskForm):
    reason = _radio("Why is the household fast tracked?", _enum_choices(FastTrackReason), "Select why the household is fast tracked")
    on = DateInputField("When does Stage 2 start?", "Enter the date Stage 2 starts", description="For example, 27 3 2026")
    submit = submit("Fast track to Stage 2")


class ExtendStage1Form(VersionedForm):
    weeks = _radio("How long is the extension?", [(2, "2 weeks"), (4, "4 weeks"), (6, "6 weeks"), (8, "8 weeks"), (12, "12 weeks")],
                   "Select how long the extension is", coerce=int)
    reason = _long_text("Reason for the extension", 300, "Enter the reason for extending Stage 1")
    submit = submit("Extend Stage 1")


class Stage1DecisionForm(VersionedForm):
    decision = _radio("What is the decision?", _enum_choices(Stage1Decision), "Select the decision")
    on = DateInputField("Date of the decision", "Enter the date of the decision", description="For example, 27 3 2026")
    submit = submit("Record the decision")


class NoticeForm(VersionedForm):
    on = DateInputField("When did the household say they want to start Stage 2?", "Enter the date the household gave notice",
                        description="Stage 2 starts on this day. For example, 27 3 2026")
    submit = submit("Start Stage 2")


class PanelOutcomeForm(VersionedForm):
    recommendation = _radio("What did the panel recommend?", _enum_choices(PanelRecommendation), "Select the panel's recommendation")
    minutes_on = DateInputField("When did the agency decision maker receive the final panel minutes?",
                                "Enter the date the minutes were received",
                                description="The agency decision is due within a set number of working days of this date.")
    submit = submit("Record the recommendation")


class AdmDecisionForm(VersionedForm):
    decision = _radio("What did the agency decision maker decide?", _enum_choices(AdmDecision), "Select the decision")
    on = DateInputField("Date of the decision", "Enter the date of the decision", description="For example, 27 3 2026")
    submit = submit("Record the decision")


class PauseForm(VersionedForm):
    reason = _radio("Why is the assessment paused?", _enum_choices(PauseReason), "Select why the assessment is paused")
    on = DateInputField("From when?", "Enter the date the pause starts", description="For example, 27 3 2026")
    note = _text("Note (optional)", 300, description="Do not include health or other sensitive details.")
    submit = submit("Pause the assessment")


class ResumeForm(VersionedForm):
    on = DateInputField("When does the assessment start again?", "Enter the date the assessment starts again",
                        description="Every due date moves on by the days paused.")
    submit = submit("Resume the assessment")


class WithdrawForm(VersionedForm):
    on = DateInputField("When did the household withdraw?", "Enter the date the household withdrew")
    reason = _long_text("Reason", 300, "Enter the reason the household withdrew")
    submit = submit("Record the withdrawal")


class StartAgainForm(VersionedForm):
    on = DateInputField("When does the new Stage 1 start?", "Enter the date the new Stage 1 starts")
    submit = submit("Start again at Stage 1")


class AssignForm(VersionedForm):
    social_worker = SelectField("Social worker", coerce=int, widget=GovSelect(), validators=[InputRequired("Select a social worker")])
    submit = submit("Save")


class CheckForm(VersionedForm):
    requested_on = DateInputField("Date requested", None, description="For example, 27 3 2026")
    received_on = DateInputField("Date received", None, description="Leave blank until it comes back.")
    outcome = _radio("Outcome", _enum_choices(CheckOutcome), "Select the outcome")
    detail = _text("Referee, employer or organisation (optional)", 200,
                   description="A name only: the content of the check stays in the case file.")
    submit = submit("Save")


class AddAdultForm(FlaskForm):
    person_name = _text("Full name of the adult", 200, "Enter the adult's full name",
                        description="Another adult living in the household, such as a grown-up child or a lodger.")
    submit = submit("Add their checks")


class AddCheckForm(FlaskForm):
    person_name = SelectField("Who is the check for?", widget=GovSelect(), validators=[InputRequired("Select who the check is for")])
    kind = _radio("Which check?", _enum_choices(CheckKind), "Select the check")
    submit = submit("Add the check")


class VisitForm(FlaskForm):
    on = DateInputField("Date of the visit", "Enter the date of the visit", description="For example, 27 3 2026")
    topic = _text("Topic (optional)", 200, description="For example, support network. Not the content of the session.")
    submit = submit("Record the visit")


class NoteForm(FlaskForm):
    body = _long_text("Note", 5000, "Enter the note")
    submit = submit("Save note")


class ClosureDayForm(FlaskForm):
    on = DateInputField("Date", "Enter the date", description="For example, 29 12 2026")
    agency = SelectField("Who is closed?", coerce=int, widget=GovSelect(), validators=[InputRequired("Select who is closed")])
    reason = _text("Reason (optional)", 120, description="For example, council closure between Christmas and New Year")
    submit = submit("Add closure day")


class OverviewFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: it changes nothing

    status = SelectField("Status", widget=GovSelect(), default="")
    stage = SelectField("Stage", widget=GovSelect(), default="")
    social_worker = SelectField("Social worker", widget=GovSelect(), default="")
    submit = submit("Apply filters")
