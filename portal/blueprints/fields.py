"""Shared WTForms pieces: GOV.UK widgets and the house's field messages."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, ValidationError

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def no_control_characters(_form, field):
    """NUL bytes and line breaks have no place in a one-line answer (and PostgreSQL refuses NUL)."""
    value = field.data or ""
    if any(ord(ch) < 32 for ch in value):
        raise ValidationError(f"{field.label.text} must not contain line breaks or control characters")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label: str = "Email address", required_message: str = "Enter your email address", **kwargs):
    return EmailField(
        label,
        filters=[strip],
        validators=[InputRequired(required_message), Length(max=254, message="Email address must be 254 characters or fewer"),
                    no_control_characters, Email(EMAIL_FORMAT, check_deliverability=False)],
        widget=GovTextInput(),
        **kwargs,
    )


def name_field(label: str, required_message: str, **kwargs):
    return StringField(
        label,
        filters=[strip],
        validators=[InputRequired(required_message), Length(max=100, message=f"{label} must be 100 characters or fewer"), no_control_characters],
        widget=GovTextInput(),
        **kwargs,
    )


def password_field(label: str, required_message: str, **kwargs):
    # No length limit here beyond sanity: the policy (services.passwords) gives the message.
    return PasswordField(label, validators=[InputRequired(required_message), Length(max=1000, message="Password must be 256 characters or fewer")],
                         widget=GovPasswordInput(), **kwargs)


def submit(label: str):
    return SubmitField(label, widget=GovSubmitInput())
