from __future__ import annotations

from typing import Any

from wtforms import BooleanField, RadioField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from campaign.forms import CookielessForm, FormToken, email_field
from campaign.pledges.forms import DISPLAY_CHOICES
from campaign.pledges.models import Sector, Signature
from campaign.supporters.models import FREQUENCIES

FREQUENCY_WORDS = {
    "immediate": "As soon as something comes to light",
    "daily": "A daily summary",
    "weekly": "A weekly summary",
}
FREQUENCY_CHOICES = [(frequency, FREQUENCY_WORDS[frequency]) for frequency in FREQUENCIES]


class RequestLinkForm(CookielessForm):
    """No cookie: a signed form token, and the link goes only to the address itself."""

    form_token = FormToken("manage-link")
    email = email_field(
        required="Enter the email address you signed with.",
        description="The address you signed with. We email a link to it; the link works "
        "for seven days.",
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PreferencesForm(CookielessForm):
    """Posts to the emailed link, whose signed token is the proof: no cookie needed."""

    wants_updates = BooleanField("Email me campaign updates.")
    alert_sectors = MultiCheckboxField(
        "Email me when a new data-sharing agreement comes to light affecting:", coerce=int
    )
    frequency = RadioField("How often?", choices=FREQUENCY_CHOICES, default="immediate")


def preferences_form(
    *, sectors: list[Sector], signatures: list[Signature], data: dict[str, Any] | None = None
) -> PreferencesForm:
    """The form with one "what may we show" question per signature."""

    class Form(PreferencesForm):
        pass

    for signature in signatures:
        setattr(
            Form,
            f"display_{signature.id}",
            RadioField(
                f"What may we show for “{signature.pledge.title}”?",
                choices=DISPLAY_CHOICES,
            ),
        )
    form = Form(data=data)
    form.alert_sectors.choices = [(s.id, s.name) for s in sectors]
    return form
