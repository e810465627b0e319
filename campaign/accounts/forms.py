from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from campaign.forms import email_field, no_control_characters, strip, text_field

CHOOSING_HINT = (
    "At least 15 characters. A passphrase of four or more random words is easy to "
    "remember and hard to guess. Pasting from a password manager is fine."
)


def code_field(
    label: str = "Code from your authenticator app",
    description: str = "Or one of your recovery codes.",
) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[
            InputRequired("Enter the 6-digit code."),
            Length(max=32),
            no_control_characters,
        ],
        description=description,
    )


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a password."), Length(max=1000)],
        description=CHOOSING_HINT,
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[
            InputRequired("Type the password again."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
    )
    return password, confirm


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password."), Length(max=1000)]
    )


class CodeForm(FlaskForm):
    code = code_field()


class EnrolForm(FlaskForm):
    code = code_field(
        "Code shown in your authenticator app", "6 digits. It changes every 30 seconds."
    )


class ReauthForm(FlaskForm):
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password."), Length(max=1000)]
    )
    code = code_field()


class AcceptInvitationForm(FlaskForm):
    name = text_field(
        "Your name",
        100,
        required="Enter your name.",
        description="Shown to other organisers, and in the audit log.",
    )
    password, confirm = new_password_fields()


class ResetRequestForm(FlaskForm):
    email = email_field()


class NewPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class ChangeEmailForm(FlaskForm):
    email = email_field("New email address")


class ButtonForm(FlaskForm):
    """Only the CSRF token: for buttons that change something (log out, new codes)."""
