from __future__ import annotations

import re
import unicodedata
from datetime import date, time
from functools import partial

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovCheckboxesInput, GovDateInput, GovRadioInput, GovSelect, GovTextInput,
)
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice, enum_coerce
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from portal.web import record_id
from portal.blueprints.fields import email_field, strip, submit
from portal.models import ApplyingAs, ContactMethod, ContactTime, HeardFrom, VisitMethod
from portal.services.enquiries import normalise_postcode

class _KeepsLegend:
    """GOV.UK widgets only use the label as the legend when the template passes no fieldset at
    all; a template that only styles the legend would otherwise lose its text."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        legend = params.setdefault("fieldset", {}).setdefault("legend", {})
        if not legend.get("text") and not legend.get("html"):
            legend["text"] = field.label.text
        return params


class RadioInput(_KeepsLegend, GovRadioInput):
    pass


class CheckboxesInput(_KeepsLegend, GovCheckboxesInput):
    pass


class DateInput(_KeepsLegend, GovDateInput):
    pass


# Characters that reorder text on screen (U+202E and friends) can make a name read as
# something else in a staff list. Joiners (U+200C, U+200D) stay: some scripts need them.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def plain_text(_form, field, noun: str | None = None):
    """One line of text: no line breaks, control or direction-override characters."""
    value = field.data or ""
    if any(ord(ch) < 32 or ord(ch) == 127 or ch in _BIDI_CONTROLS for ch in value):
        raise ValidationError(f"{noun or field.label.text.removesuffix(' (optional)')} must not contain line breaks or special characters")


def paragraph_text(_form, field, noun: str | None = None):
    """Several lines are fine; NUL and other control characters are not (PostgreSQL refuses NUL)."""
    value = field.data or ""
    if any((ord(ch) < 32 and ch not in "\r\n\t") or ord(ch) == 127 or ch in _BIDI_CONTROLS for ch in value):
        raise ValidationError(f"{noun or field.label.text.removesuffix(' (optional)')} must not contain special characters")


def enum_radio(label: str, enum_cls, required_message: str | None, *, only=None, labels: dict | None = None, **kwargs):
    """Radios for an enum, its labels shown (or ``labels``' wording), its member given back as ``data``."""
    labels = labels or {}
    choices = [SelectChoice(m.value, labels.get(m, m.label)) for m in enum_cls if only is None or m in only]
    validators = [InputRequired(required_message)] if required_message else [Optional()]
    return RadioField(label, choices=choices, coerce=enum_coerce(enum_cls), validators=validators,
                      widget=RadioInput(), **kwargs)


def text_field(label: str, required_message: str | None = None, *, max_length: int = 100, noun: str | None = None,
               **kwargs):
    """``noun`` names the answer in messages when the label is a question ("Your note must be ...")."""
    noun = noun or label.removesuffix(" (optional)")
    validators = [InputRequired(required_message)] if required_message else [Optional()]
    validators += [Length(max=max_length, message=f"{noun} must be {max_length} characters or fewer"),
                   partial(plain_text, noun=noun)]
    return StringField(label, filters=[strip], validators=validators, widget=GovTextInput(), **kwargs)


def paragraph_field(label: str, required_message: str | None = None, *, max_length: int = 2000, noun: str | None = None,
                    **kwargs):
    noun = noun or label.removesuffix(" (optional)")
    validators = [InputRequired(required_message)] if required_message else [Optional()]
    validators += [Length(max=max_length, message=f"{noun} must be {max_length} characters or fewer"),
                   partial(paragraph_text, noun=noun)]
    return TextAreaField(label, filters=[strip], validators=validators, widget=GovCharacterCount(), **kwargs)


PHONE_FORMAT = "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"


def uk_phone(_form, field):
    value = field.data or ""
    if not value:
        return
    if not re.fullmatch(r"[\d\s()+\-.]+", value):
        raise ValidationError(PHONE_FORMAT)
    digits = re.sub(r"\D", "", value)
    if not 10 <= len(digits) <= 14:
        raise ValidationError(PHONE_FORMAT)


def phone_field(label: str, required_message: str | None = None, **kwargs):
    validators = [InputRequired(required_message)] if required_message else [Optional()]
    validators += [Length(max=25, message=PHONE_FORMAT), plain_text, uk_phone]
    return StringField(label, filters=[strip], validators=validators, widget=GovTextInput(), **kwargs)


def _letters(_form, field):
    value = field.data or ""
    if value and not any(unicodedata.category(ch).startswith("L") for ch in value):
        raise ValidationError(f"{field.label.text.removesuffix(' (optional)')} must include at least one letter")


def name_text(label: str, required_message: str | None, **kwargs):
    """A name as the person writes it: apostrophes, hyphens, accents, any script."""
    short = label.removesuffix(" (optional)")
    validators = [InputRequired(required_message)] if required_message else [Optional()]
    validators += [Length(max=100, message=f"{short} must be 100 characters or fewer"), plain_text, _letters]
    return StringField(label, filters=[strip], validators=validators, widget=GovTextInput(), **kwargs)


AREA_OTHER = "other"
AREA_HUB = "hub"


class EnquiryForm(FlaskForm):
    first_name = name_text("First name", "Enter your first name")
    last_name = name_text("Last name", "Enter your last name")
    applying_as = enum_radio("Would you apply on your own or as a couple?", ApplyingAs,
                             "Select whether you would apply on your own or as a couple",
                             labels={ApplyingAs.ALONE: "On my own", ApplyingAs.COUPLE: "As a couple"})
    partner_first_name = name_text("Your partner's first name (optional)", None)
    partner_last_name = name_text("Your partner's last name (optional)", None)
    email = email_field(description="We will use it to reply to you.")
    phone = phone_field("UK phone number (optional)", description="If you would like us to call you.")
    contact_method = enum_radio("How would you like us to contact you?", ContactMethod,
                                "Select how you would like us to contact you")
    contact_time = enum_radio("When is the best time to contact you?", ContactTime,
                              "Select when is the best time to contact you")
    postcode = StringField("Postcode", filters=[strip], widget=GovTextInput(),
                           description="For example, NV1 2AB. We only use it to pass your enquiry to your local team.",
                           validators=[Optional(), Length(max=10, message="Enter a real postcode, like NV1 2AB"), plain_text])
    area = SelectField("Or choose your local authority area", widget=GovSelect(), validators=[Optional()],
                       validate_choice=False,
                       description="If you do not know your postcode, or would rather talk to our central hub team.")
    heard_from = enum_radio("How did you hear about us? (optional)", HeardFrom, None)
    message = paragraph_field("Is there anything you would like to ask or tell us? (optional)", max_length=2000,
                              noun="Your message",
                              description="You do not need to tell us anything personal now. "
                                          "Please do not include details about your health.")
    # A field people never see: bots fill in every box, and are then quietly ignored.
    nickname = StringField("Leave this box empty", filters=[strip])
    form_key = HiddenField()
    submit = submit("Send enquiry")

    def set_areas(self, areas) -> None:
        self.area.choices = ([SelectChoice("", "Choose your area")] + [SelectChoice(str(a.id), a.name) for a in areas]
                             + [SelectChoice(AREA_OTHER, "Somewhere else, or I am not sure"),
                                SelectChoice(AREA_HUB, "I would rather talk to the central hub team")])

    def validate_area(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Choose your local authority area from the list")

    def validate_postcode(self, field):
        if field.data and normalise_postcode(field.data) is None:
            raise ValidationError("Enter a real postcode, like NV1 2AB")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.postcode.data and not self.area.data and not self.postcode.errors:
            self.postcode.errors = list(self.postcode.errors) + ["Enter your postcode, or choose your local authority area"]
            ok = False
        if self.contact_method.data in (ContactMethod.PHONE,) and not self.phone.data and not self.phone.errors:
            self.phone.errors = list(self.phone.errors) + ["Enter a phone number, or choose to be contacted by email"]
            ok = False
        return ok

    @property
    def area_id(self) -> int | None:
        return record_id(self.area.data)

    @property
    def wants_hub(self) -> bool:
        return self.area.data == AREA_HUB


class VisitRequestForm(FlaskForm):
    method = enum_radio("How would you like to meet?", VisitMethod, "Select how you would like to meet",
                        description="Either way, a social worker talks with you about your situation and answers your questions.")
    submit = submit("Ask for an initial visit")


# Dates and times, shared with the staff and registration of interest forms ------------------

class GovDateField(DateField):
    """A GOV.UK date input (day, month, year boxes) with the Design System's messages."""

    def __init__(self, label=None, validators=None, *, noun: str | None = None, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.noun = noun  # how messages name it, when the label is a question

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not any((v or "").strip() for v in valuelist):
            return
        name = self.noun or self.label.text.removesuffix(" (optional)")
        parts = [(v or "").strip() for v in valuelist] + [""] * (3 - len(valuelist))
        for part, word in zip(parts[:3], ("day", "month", "year")):
            if not part:
                raise ValueError(f"{name} must include a {word}")
        day, month, year = parts[:3]
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValueError(f"{name} must be a real date")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{name} must be a real date") from None
        if self.data.year < 1900:
            self.data = None
            raise ValueError(f"{name} must be a real date")


class DateRequired:
    """Like InputRequired, but looks at all three boxes (a missing day has its own message)."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, _form, field):
        if not field.raw_data or not any((v or "").strip() for v in field.raw_data):
            field.errors[:] = []
            raise StopValidation(self.message)
        if field.data is None:
            raise StopValidation()


def date_field(label: str, required_message: str | None, *, noun: str | None = None, **kwargs):
    validators = [DateRequired(required_message)] if required_message else [Optional()]
    return GovDateField(label, validators=validators, noun=noun, **kwargs)


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


def parse_time(text: str) -> time | None:
    """'2pm', '2:30pm', '14:30', 'midday' -> a time; None if it is not one."""
    value = (text or "").strip().lower().replace(" ", "")
    if value in ("midday", "noon", "12noon"):
        return time(12, 0)
    match = _TIME.match(value)
    if not match:
        return None
    hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59) or (not suffix and match.group(2) is None):
        return None
    return time(hour, minute)
