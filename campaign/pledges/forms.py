from __future__ import annotations

import re
from typing import Any

from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from campaign.forms import (
    CookielessForm,
    email_field,
    no_control_characters,
    not_blank,
    strip,
    text_field,
)
from campaign.geo import Place, PostcodeError, find_place
from campaign.pledges.models import DISPLAYS


def no_links(form: Any, field: Any) -> None:
    """Names go into emails sent to the address given: keep links and addresses out."""
    if field.data and re.search(r"https?:|www\.|@|\.(com|org|net|uk)\b", field.data, re.I):
        raise ValidationError("Enter just your name, without links or email addresses.")


DISPLAY_WORDS = {
    "none": "Nothing: count me, but show no name",
    "initial": "My first name and last initial",
    "full": "My full name",
}
DISPLAY_CHOICES = [(display, DISPLAY_WORDS[display]) for display in DISPLAYS]


class SignForm(CookielessForm):
    """No cookie: the signed timestamp `started` is its form token (bots.check_timing),
    and double opt-in proves the address."""

    name = StringField(
        "Your name",
        filters=[strip],
        validators=[
            not_blank("Enter your name."),
            Length(max=100, message="Your name must be 100 characters or fewer."),
            no_control_characters,
            no_links,
        ],
        description="Only shown publicly if you choose so below.",
    )
    email = email_field(
        description="We send one email to confirm your signature. Use a personal address."
    )
    postcode = StringField(
        "Postcode",
        filters=[strip],
        validators=[not_blank("Enter your postcode."), Length(max=16), no_control_characters],
        description="Where you live or work. We keep only the local authority, for the "
        "counts by area; never the postcode itself.",
    )
    role = text_field(
        "Your role (optional)",
        100,
        description="For example: receptionist, teacher, housing officer. Never published.",
    )
    display = RadioField(
        "What may we show publicly?",
        choices=DISPLAY_CHOICES,
        default="none",
        validators=[InputRequired("Choose what may be shown publicly.")],
    )
    consent = BooleanField(
        "",  # the label is the consent wording, set per pledge by the view
        validators=[InputRequired("Tick this box to record your pledge.")],
    )
    wants_updates = BooleanField("")
    wants_alerts = BooleanField("")
    # The work address the signer was warned about and chose to keep: a warning holds
    # for that address only, so a different work address is warned about again.
    employer_ack = HiddenField(default="")
    # Anti-bot: a field people never see and a signed timestamp (BOT-02).
    website = StringField("Leave this field empty", filters=[strip])
    started = HiddenField()

    place: Place | None = None

    def validate_postcode(self, field: StringField) -> None:
        try:
            self.place = find_place(field.data or "")
        except PostcodeError as exc:
            raise ValidationError(str(exc)) from exc
