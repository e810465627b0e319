"""Field helpers every feature's forms share: trimmed, length-limited, no control
characters, and email addresses that SMTP can carry."""

from __future__ import annotations

import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from wtforms import EmailField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def no_control_characters(form: Any, field: Any) -> None:
    if field.data and CONTROL_CHARS.search(field.data):
        raise ValidationError("Remove line breaks and other invisible characters.")


def deliverable_email(form: Any, field: Any) -> None:
    """A syntactically valid address our mail relay can send to: ASCII before the @
    (no SMTPUTF8), and an international domain stored in its ASCII (punycode) form."""
    if not field.data:
        return
    try:
        checked = validate_email(field.data, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValidationError("Enter an email address like name@example.org.") from exc
    field.data = checked.ascii_email or field.data


def text_field(
    label: str, max_length: int, *, required: str | None = None, **kwargs: Any
) -> StringField:
    """A one-line text field: trimmed, length-limited, no control characters."""
    validators: list[Any] = [InputRequired(required)] if required else [Optional()]
    validators += [
        Length(max=max_length, message=f"Use {max_length} characters or fewer."),
        no_control_characters,
    ]
    return StringField(label, filters=[strip], validators=validators, **kwargs)


def email_field(
    label: str = "Email address", *, required: str = "Enter your email address.", **kwargs: Any
) -> EmailField:
    return EmailField(
        label,
        filters=[strip],
        validators=[
            InputRequired(required),
            Length(max=254, message="That email address is too long."),
            no_control_characters,
            deliverable_email,
        ],
        **kwargs,
    )
