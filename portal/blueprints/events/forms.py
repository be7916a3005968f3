from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect, GovTextInput
from wtforms import RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional

from portal.blueprints.fields import email_field, name_field, no_control_characters, strip, submit
from portal.services.bookings import MAX_SUPPORTERS


class PublicBookingForm(FlaskForm):
    first_name = name_field("First name", "Enter your first name")
    last_name = name_field("Last name", "Enter your last name")
    email = email_field(description="We will email your booking to this address, with a link to see or cancel it.")
    area = SelectField("Where do you live?", coerce=int, validators=[InputRequired("Select where you live")], widget=GovSelect(),
                       description="This tells us which partner agency will help you after the evening.")
    places = RadioField(
        "How many people are coming?",
        choices=[("1", "Just me"), ("2", "Me and one other person")],
        validators=[InputRequired("Select how many people are coming")],
        widget=GovRadioInput(),
    )
    submit = submit("Book")


def _supporter(n: int):
    return StringField(
        f"Supporter {n}", filters=[strip],
        validators=[Optional(), Length(max=100, message=f"Supporter {n}'s name must be 100 characters or fewer"), no_control_characters],
        widget=GovTextInput(),
    )


class HouseholdBookingForm(FlaskForm):
    applicants = SelectMultipleField("Who is coming?", coerce=int, validators=[InputRequired("Select who is coming")],
                                     widget=GovCheckboxesInput())
    supporter_1 = _supporter(1)
    supporter_2 = _supporter(2)
    supporter_3 = _supporter(3)
    supporter_4 = _supporter(4)
    submit = submit("Book")

    def supporter_names(self) -> list[str]:
        return [getattr(self, f"supporter_{n}").data or "" for n in range(1, MAX_SUPPORTERS + 1)]


class ConfirmForm(FlaskForm):
    """Just the CSRF token: a button that changes something."""
