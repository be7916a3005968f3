from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovTextInput
from wtforms import BooleanField, IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from portal.blueprints.enquiries.forms import (
    RadioInput, date_field, enum_radio, name_text, paragraph_field, phone_field, text_field,
)
from portal.blueprints.fields import email_field, password_field, submit
from portal.models import PersonKind, PreviousKind, RelationshipStatus
from portal.services.enquiries import normalise_postcode


def yes_no(label: str, required_message: str, **kwargs):
    return RadioField(label, choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
                      validators=[InputRequired(required_message)], widget=RadioInput(), **kwargs)


class YearField(IntegerField):
    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            return
        if not (raw.isdigit() and len(raw) == 4):
            raise ValueError(f"{self.label.text} must be a real year, like 2015")
        self.data = int(raw)


def year_field(label: str, required_message: str | None, **kwargs):
    validators = [InputRequired(required_message)] if required_message else [Optional()]
    validators.append(NumberRange(min=1900, max=2100, message=f"{label} must be a real year, like 2015"))
    return YearField(label, validators=validators, widget=GovTextInput(), **kwargs)


class CreateAccountForm(FlaskForm):
    first_name = name_text("First name", "Enter your first name")
    last_name = name_text("Last name", "Enter your last name")
    email = email_field(description="You will sign in with it. We will send you an email to confirm it is yours.")
    password = password_field(
        "Create a password", "Create a password",
        description="Use 12 characters or more. Three or four random words are easy to remember and hard to guess.",
    )
    applying = RadioField(
        "Are you applying alone or with a partner?", widget=RadioInput(),
        choices=[SelectChoice("alone", "Alone"), SelectChoice("couple", "With a partner")],
        validators=[InputRequired("Select whether you are applying alone or with a partner")],
    )
    partner_first_name = name_text("Partner's first name", "Enter your partner's first name")
    partner_last_name = name_text("Partner's last name", "Enter your partner's last name")
    partner_email = email_field("Partner's email address", "Enter your partner's email address",
                                description="They will get an email to create their own password and fill in their part.")
    submit = submit("Create account")

    def validate(self, extra_validators=None):
        # The partner's fields only count when applying as a couple.
        if self.applying.data != "couple":
            for field in (self.partner_first_name, self.partner_last_name, self.partner_email):
                field.validators = [Optional()]
        return super().validate(extra_validators)


class DetailsForm(FlaskForm):
    first_name = name_text("First name", "Enter your first name")
    last_name = name_text("Last name", "Enter your last name")
    other_names = text_field("Any other names you have been known by (optional)", max_length=200, noun="Other names",
                             description="For example, a name before marriage. We need these for the checks.")
    date_of_birth = date_field("Date of birth", "Enter your date of birth", description="For example, 27 3 1985")
    phone = phone_field("Phone number", "Enter your phone number")
    occupation = text_field("Your job (optional)", max_length=100)
    submit = submit("Save and continue")


class BackgroundForm(FlaskForm):
    has_health_condition = yes_no(
        "Do you have a health condition or disability that could affect your ability to care for a child?",
        "Select yes if you have a health condition or disability that could affect caring for a child",
        description="Having one does not stop you adopting. Your GP will also be asked about your health.")
    health_details = paragraph_field("Tell us about it", max_length=2000, noun="What you tell us about your health")
    has_convictions = yes_no(
        "Have you ever been convicted of an offence, or received a caution, reprimand or warning?",
        "Select yes if you have ever been convicted or received a caution, reprimand or warning",
        description="Include spent convictions: adoption is exempt from the Rehabilitation of Offenders Act. "
                    "Many convictions do not stop you adopting.")
    convictions_details = paragraph_field("Tell us what happened and when", max_length=2000,
                                          noun="What you tell us about a conviction or caution")
    submit = submit("Save and continue")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.has_health_condition.data == "yes" and not self.health_details.data and not self.health_details.errors:
            self.health_details.errors = list(self.health_details.errors) + ["Tell us about your health condition or disability"]
            ok = False
        if self.has_convictions.data == "yes" and not self.convictions_details.data and not self.convictions_details.errors:
            self.convictions_details.errors = list(self.convictions_details.errors) + ["Tell us about the conviction, caution or warning"]
            ok = False
        return ok


class ConsentForm(FlaskForm):
    consents = BooleanField(
        "I agree to the statutory checks: an enhanced DBS check, local authority checks, a medical report from my GP, "
        "at least three personal references, and checks with my employer and any former partners",
        widget=GovCheckboxInput(), validators=[InputRequired("Confirm that you agree to the checks: we cannot go ahead without them")])
    declares = BooleanField(
        "I declare that what I have told you is true and complete, and I will tell you if anything changes",
        widget=GovCheckboxInput(), validators=[InputRequired("Confirm that what you have told us is true and complete")])
    submit = submit("Save and continue")


class HomeForm(FlaskForm):
    address_line_1 = text_field("Address line 1", "Enter the first line of your address", max_length=100)
    address_line_2 = text_field("Address line 2 (optional)", max_length=100)
    town = text_field("Town or city", "Enter your town or city", max_length=60)
    postcode = text_field("Postcode", "Enter your postcode", max_length=10)
    relationship_status = enum_radio("What is your relationship?", RelationshipStatus, None)
    together_since_year = year_field("Year you started living together", None, description="For example, 2015")
    submit = submit("Save and continue")

    def validate_postcode(self, field):
        postcode = normalise_postcode(field.data)
        if postcode is None or " " not in postcode:
            raise ValidationError("Enter a full postcode, like NV1 2AB")


class AnyoneElseForm(FlaskForm):
    anyone_else = yes_no("Does anyone else live in your home, or do you have children who live somewhere else?",
                         "Select yes if anyone else lives with you or you have children who live elsewhere",
                         description="Include children, lodgers and other adults. Include your children who live elsewhere.")
    submit = submit("Save and continue")


class PersonForm(FlaskForm):
    kind = enum_radio("Who are they?", PersonKind, "Select who they are")
    full_name = text_field("Full name", "Enter their full name", max_length=200)
    date_of_birth = date_field("Date of birth", "Enter their date of birth", description="For example, 27 3 2012")
    relationship_to_you = text_field("Their relationship to you", "Enter their relationship to you", max_length=100,
                                     description="For example, son, mother or lodger")
    submit = submit("Add this person")


class AnyPreviousForm(FlaskForm):
    any_previous = yes_no("Have either of you applied to adopt or foster before?",
                          "Select yes if either of you has applied to adopt or foster before",
                          description="With any agency, whatever happened. Previous adopters and foster carers may be able to go faster.")
    submit = submit("Save and continue")


class PreviousForm(FlaskForm):
    kind = enum_radio("What did you apply for?", PreviousKind, "Select whether you applied to adopt or to foster")
    agency_name = text_field("Which agency or council?", "Enter the name of the agency or council", max_length=200,
                             noun="The name of the agency or council")
    year = year_field("Year you applied", "Enter the year you applied", description="For example, 2015")
    outcome = text_field("What happened?", "Enter what happened", max_length=300, noun="What happened",
                         description="For example, approved in 2016, or withdrew during assessment")
    submit = submit("Add this application")


class ConfirmForm(FlaskForm):
    """Confirming the people added, or sending the whole ROI: just the button and the token."""

    submit = submit("Continue")
