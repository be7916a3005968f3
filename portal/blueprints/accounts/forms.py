from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired, Optional, ValidationError

from portal.blueprints.fields import email_field, name_field, password_field, submit


class SignInForm(FlaskForm):
    email = email_field()
    password = password_field("Password", "Enter your password")
    submit = submit("Sign in")


class RegisterForm(FlaskForm):
    first_name = name_field("First name", "Enter your first name")
    last_name = name_field("Last name", "Enter your last name")
    email = email_field(description="We will send you an email to confirm it is yours.")
    password = password_field(
        "Create a password", "Create a password",
        description="Use 12 characters or more. Three or four random words are easy to remember and hard to guess.",
    )
    area = SelectField("Where do you live?", coerce=int, validators=[InputRequired("Select where you live")], widget=GovSelect(),
                       description="This tells us which partner agency will support you.")
    applying = RadioField(
        "Are you applying alone or with a partner?",
        choices=[("alone", "Alone"), ("couple", "With a partner")],
        validators=[InputRequired("Select whether you are applying alone or with a partner")],
        widget=GovRadioInput(),
    )
    partner_first_name = name_field("Partner's first name", "Enter your partner's first name")
    partner_last_name = name_field("Partner's last name", "Enter your partner's last name")
    partner_email = email_field("Partner's email address", "Enter your partner's email address",
                                description="They will get an email to create their own password.")
    submit = submit("Create account")

    def validate(self, extra_validators=None):
        # The partner's fields only count when applying as a couple.
        if self.applying.data != "couple":
            for field in (self.partner_first_name, self.partner_last_name, self.partner_email):
                field.validators = [Optional()]
        return super().validate(extra_validators)


class ForgotPasswordForm(FlaskForm):
    email = email_field()
    submit = submit("Send me a link")


class NewPasswordForm(FlaskForm):
    password = password_field("New password", "Enter a new password", description="Use 12 characters or more.")
    confirm = password_field("Confirm new password", "Enter the new password again")
    submit = submit("Save password")

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError("The passwords do not match")


class ChangePasswordForm(FlaskForm):
    current_password = password_field("Current password", "Enter your current password")
    new_password = password_field("New password", "Enter a new password", description="Use 12 characters or more.")
    submit = submit("Change password")


class AddPartnerForm(FlaskForm):
    first_name = name_field("First name", "Enter their first name")
    last_name = name_field("Last name", "Enter their last name")
    email = email_field("Email address", "Enter their email address")
    submit = submit("Send invitation")


class EmptyForm(FlaskForm):
    """Just the CSRF token: for buttons that change state (sign out)."""
