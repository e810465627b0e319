"""The admin area's forms: sectors and pledges, the signature list and its review, the
export, accounts and the audit log's filter. Field validation only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from campaign.accounts.roles import OFFERED_ROLES, ROLE_NAMES, ROLES
from campaign.forms import (
    WholeNumberField,
    email_field,
    no_control_characters,
    optional_int,
    slug_format,
    strip,
    text_field,
    whole_number_range,
)
from campaign.pledges.queries import SIGNATURE_STATUSES

# The most signatures a pledge may aim for: more people than work in the UK's public
# sector several times over, and far inside the integer column that holds it
# (campaign.forms.INT_MAX).
TARGET_MAX = 100_000_000
POSITION_MAX = 10_000


def position_field() -> WholeNumberField:
    return WholeNumberField(
        "Position",
        default=0,
        validators=[Optional(), whole_number_range(0, POSITION_MAX)],
        description="Lower numbers are listed first.",
    )


class SectorForm(FlaskForm):
    name = text_field("Name", 100, required="Enter a name.")
    description = TextAreaField(
        "Description",
        filters=[strip],
        validators=[Optional(), Length(max=2000, message="Use 2,000 characters or fewer.")],
    )
    position = position_field()


class NewSectorForm(SectorForm):
    slug = text_field(
        "Address",
        60,
        required="Enter the address.",
        description="Part of the page address, for example social-care. It can't be changed later.",
    )

    def validate_slug(self, field: StringField) -> None:
        slug_format(self, field)


class PledgeForm(FlaskForm):
    # Named after the column, not the relationship: filled from the pledge, the form
    # must get the sector's id (with `sector` it got a Sector and selected none).
    sector_id = SelectField("Sector", coerce=int)  # must be one of the choices
    title = text_field("Title", 200, required="Enter a title.")
    statement = TextAreaField(
        "Statement",
        filters=[strip],
        validators=[
            InputRequired("Enter the statement people sign."),
            Length(max=5000, message="Use 5,000 characters or fewer."),
        ],
        description="What people sign. Changing the title or statement makes a new wording "
        "version; everyone who signed keeps the version they signed. Separate paragraphs "
        "with a blank line.",
    )
    target = WholeNumberField(
        "Target",
        validators=[InputRequired("Enter a target."), whole_number_range(1, TARGET_MAX)],
        description="The number of signatures to aim for, shown on the public page.",
    )
    is_open = BooleanField("Open for signatures")
    position = position_field()


class NewPledgeForm(PledgeForm):
    slug = text_field(
        "Address",
        80,
        required="Enter the address.",
        description="Part of the page address, for example gp-surgeries. "
        "It can't be changed later.",
    )

    def validate_slug(self, field: StringField) -> None:
        slug_format(self, field)


class OpenForm(FlaskForm):
    is_open = HiddenField(validators=[InputRequired()])


class SignatureFilterForm(FlaskForm):
    """The filters of the signature list: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    pledge = SelectField("Pledge", coerce=optional_int, validate_choice=False)
    sector = SelectField("Sector", coerce=optional_int, validate_choice=False)
    area = SelectField(
        "Local authority",
        validate_choice=False,
        validators=[Length(max=9, message="Choose a local authority."), no_control_characters],
    )
    date_from = DateField("Signed from", validators=[Optional()])
    date_to = DateField("Signed until", validators=[Optional()])
    status = SelectField("Status", choices=list(SIGNATURE_STATUSES.items()), validate_choice=False)


class ReviewForm(FlaskForm):
    """Count or discard flagged signatures: chosen ones, or all matching the filter."""

    action = RadioField(
        "What to do with them",
        choices=[
            ("count", "Count them: they were real people"),
            ("discard", "Discard them: delete these sign-ups"),
        ],
        validators=[InputRequired("Choose what to do with them.")],
    )
    scope = RadioField(
        "Which signatures",
        choices=[
            ("selected", "The ones I ticked"),
            ("matching", "Every flagged signature matching the filter"),
        ],
        default="selected",
        validators=[InputRequired("Choose which signatures.")],
    )
    ids = SelectMultipleField(coerce=optional_int, validate_choice=False)
    confirmed = HiddenField(default="")
    # The list's filter, carried along for "every flagged signature matching the filter".
    filter_pledge = HiddenField()
    filter_sector = HiddenField()
    filter_area = HiddenField()
    filter_date_from = HiddenField()
    filter_date_to = HiddenField()


class ExportForm(FlaskForm):
    pledge = SelectField("Pledge", coerce=optional_int, validate_choice=False)
    sector = SelectField("Sector", coerce=optional_int, validate_choice=False)


def role_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The roles an admin may give, highest first; and `current`, the role the account
    has now, even if no longer offered, so its page doesn't show another role as its own."""
    return [
        (role, ROLE_NAMES[role])
        for role in reversed(ROLES)
        if role in OFFERED_ROLES or role == current
    ]


class InviteForm(FlaskForm):
    email = email_field("Their email address")
    role = SelectField("Role", choices=role_choices(), default="organiser")


class RoleForm(FlaskForm):
    """The view sets the choices: role_choices(the account's role)."""

    role = SelectField("Role", choices=role_choices())


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[InputRequired()])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = SelectField("Who", coerce=optional_int, validate_choice=False)
    action = SelectField(
        "What",
        validate_choice=False,  # an action no one has done yet is a filter that matches none
        validators=[Length(max=60, message="Choose an action."), no_control_characters],
    )
    target = text_field(
        "Object", 80, description="As the log shows it: for example Pledge 3 or Account 2."
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("Until", validators=[Optional()])
