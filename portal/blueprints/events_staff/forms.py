from __future__ import annotations

import re
from datetime import date, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput, GovDateInput, GovRadioInput, GovSelect, GovTextArea, GovTextInput,
)
from wtforms import BooleanField, Field, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.blueprints.fields import no_control_characters, strip, submit
from portal.models import Audience, EventFormat, EventKind
from portal.services.event_admin import MAX_DAYS, MAX_SERIES_MEETINGS, MONTHLY_DATE, MONTHLY_WEEKDAY
from portal.services.events import COURSES


def no_nul(_form, field):
    """Line breaks are welcome in longer text; NUL bytes and other control characters are not."""
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in field.data or ""):
        raise ValidationError(f"{field.label.text} must not contain control characters")


class WholeNumberField(IntegerField):
    def __init__(self, label, *, message: str, **kwargs):
        super().__init__(label, widget=GovTextInput(), **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None


class LocalDateField(Field):
    """A GOV.UK date input (day, month, year boxes) read as a date."""

    widget = GovDateInput()

    def __init__(self, label, *, required_message: str, **kwargs):
        super().__init__(label, **kwargs)
        self.required_message = required_message

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not any(v.strip() for v in valuelist):
            self.raw_data = ["", "", ""]
            raise ValueError(self.required_message)
        if len(valuelist) != 3:
            self.raw_data = (list(valuelist) + ["", "", ""])[:3]  # the widget redraws three boxes
            raise ValueError(f"{self.label.text} must include a day, month and year")
        try:
            day, month, year = (int(v.strip()) for v in valuelist)
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date, for example 27 3 2027") from None
        if not 2000 <= year <= 2100:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, for example 27 3 2027")


_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


class LocalTimeField(StringField):
    """A time of day as people write it: 19:00, 7pm, 7:30pm."""

    def __init__(self, label, *, required_message: str, **kwargs):
        super().__init__(label, widget=GovTextInput(), description="For example, 19:00 or 7pm", **kwargs)
        self.required_message = required_message
        self.time: time | None = None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.time.strftime("%H:%M") if self.time else (self.data or "")

    def pre_validate(self, form):
        self.time = None
        text = (self.data or "").strip()
        if not text:
            raise ValidationError(self.required_message)
        match = _TIME.match(text)
        if not match:
            raise ValidationError(f"Enter {self.label.text.lower()} like 19:00 or 7pm")
        hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
        if suffix:
            if not 1 <= hour <= 12:
                raise ValidationError(f"Enter {self.label.text.lower()} like 19:00 or 7pm")
            hour = hour % 12 + (12 if suffix == "pm" else 0)
        if hour > 23 or minute > 59:
            raise ValidationError(f"Enter {self.label.text.lower()} like 19:00 or 7pm")
        self.time = time(hour, minute)


def _text(label: str, required: str | None = None, *, max_length: int = 200, **kwargs):
    validators = [InputRequired(required)] if required else [Optional()]
    validators += [Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"), no_control_characters]
    return StringField(label, filters=[strip], validators=validators, widget=GovTextInput(), **kwargs)


def _area(label: str, *, max_length: int, **kwargs):
    return TextAreaField(label, filters=[strip], widget=GovTextArea(),
                         validators=[Optional(), Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"), no_nul],
                         **kwargs)


class EventForm(FlaskForm):
    kind = RadioField("What kind of event is it?", choices=[(k.value, k.label) for k in EventKind],
                      validators=[InputRequired("Select what kind of event it is")], widget=GovRadioInput())
    title = _text("Title", "Enter a title")
    topic = _text("Topic (optional)", description="For a support-group meeting, for example: Facing fears and phobias")
    description = _area("Description", max_length=5000, description="What happens, who it is for and anything to bring.")
    course_code = SelectField("Course", choices=[("", "Not a training course")] + [(c.code, c.title) for c in COURSES.values()],
                              widget=GovSelect(), validators=[Optional()],
                              description="Training courses are recorded on the household when every day is attended.")
    audience = RadioField("Who can book?", choices=[(a.value, a.label) for a in Audience],
                          validators=[InputRequired("Select who can book")], widget=GovRadioInput())
    open_to_all = RadioField("Which agencies' households can book?",
                             choices=[("yes", "Households of every partner agency"), ("no", "Only our own agency's households")],
                             validators=[InputRequired("Select which agencies' households can book")], widget=GovRadioInput(),
                             default="yes")
    format = RadioField("Online or in person?", choices=[(f.value, f.label) for f in EventFormat],
                        validators=[InputRequired("Select online or in person")], widget=GovRadioInput())
    venue_name = _text("Venue name")
    venue_address = _area("Venue address", max_length=500)
    venue_town = _text("Town or area", max_length=100, description="Shown on What's On even when the address is not.")
    hides_address = BooleanField("Children will be there: show the address only to booked households",
                                 widget=GovCheckboxInput())
    joining_link = _text("Joining link", max_length=500,
                         description="For online events: emailed to booked households on the day. Starts with https://")
    capacity = WholeNumberField("Places", message="Places must be a whole number, like 20",
                                validators=[InputRequired("Enter the number of places"),
                                            NumberRange(min=1, max=2000, message="Places must be between 1 and 2000")],
                                description="Count people, not households.")
    confirm_capacity = BooleanField("Reduce the places anyway", widget=GovCheckboxInput())
    allows_support_network = BooleanField("Households may bring members of their support network (Family and Friends training)",
                                          widget=GovCheckboxInput())
    first_day = LocalDateField("Date", required_message="Enter the date", description="For a course, the first day. For example, 27 3 2027")
    start_time = LocalTimeField("Start time", required_message="Enter the start time")
    end_time = LocalTimeField("End time", required_message="Enter the end time")
    day_count = WholeNumberField("Number of days", message="Number of days must be a whole number, like 3", default=1,
                                 validators=[InputRequired("Enter the number of days"),
                                             NumberRange(min=1, max=MAX_DAYS, message=f"Number of days must be between 1 and {MAX_DAYS}")])
    days_apart = RadioField("If it runs over more than one day", choices=[("1", "On consecutive days"), ("7", "A week apart")],
                            default="1", validators=[InputRequired("Select how far apart the days are")], widget=GovRadioInput())
    booking_closes_hours = WholeNumberField(
        "Booking closes this many hours before it starts", message="Enter a whole number of hours, like 24", default=24,
        validators=[InputRequired("Enter when booking closes"), NumberRange(min=0, max=24 * 60, message="Enter between 0 and 1440 hours")])
    cancellation_hours = WholeNumberField(
        "Households can cancel online until this many hours before it starts", message="Enter a whole number of hours, like 48",
        default=48, validators=[InputRequired("Enter the cancellation deadline"),
                                NumberRange(min=0, max=24 * 60, message="Enter between 0 and 1440 hours")])
    submit = submit("Save event")


class SeriesForm(EventForm):
    day_count = None
    days_apart = None
    confirm_capacity = None
    topic = None
    first_day = LocalDateField("Date of the first meeting", required_message="Enter the date of the first meeting",
                               description="For example, 14 1 2027")
    count = WholeNumberField("Number of meetings", message="Number of meetings must be a whole number, like 12", default=12,
                             validators=[InputRequired("Enter the number of meetings"),
                                         NumberRange(min=1, max=MAX_SERIES_MEETINGS,
                                                     message=f"Number of meetings must be between 1 and {MAX_SERIES_MEETINGS}")])
    rule = RadioField("When does it meet?", choices=[
        (MONTHLY_WEEKDAY, "The same weekday each month, for example the second Tuesday"),
        (MONTHLY_DATE, "The same date each month"),
    ], default=MONTHLY_WEEKDAY, validators=[InputRequired("Select when it meets")], widget=GovRadioInput())
    topics = _area("Topics (optional)", max_length=5000,
                   description="One line for each meeting, in order. For example: Facing fears and phobias")
    submit = submit("Create meetings")


class CancelForm(FlaskForm):
    reason = TextAreaField("Why is it cancelled?", filters=[strip], widget=GovTextArea(),
                           validators=[InputRequired("Enter the reason, so that people know why"),
                                       Length(max=500, message="The reason must be 500 characters or fewer"), no_nul],
                           description="Everyone booked or waiting gets an email with this reason.")
    submit = submit("Cancel it and tell everyone")


class ConfirmForm(FlaskForm):
    """Just the CSRF token: a button that changes something."""
