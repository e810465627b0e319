"""Field helpers every feature's forms share: trimmed, length-limited, no control
characters, required after trimming, and email addresses that SMTP can carry; whole
numbers as people type them, page addresses (slugs), and the filters of list pages; and
the base class of forms on public pages, which must work without a cookie."""

from __future__ import annotations

import re
import time
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from campaign.tokens import BadToken, make_token, read_token

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def not_blank(message: str) -> DataRequired:
    """Required once the field's filters have run, so "   " counts as empty.

    (WTForms' InputRequired looks at the raw input, where spaces are something.)"""
    return DataRequired(message)


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
    validators: list[Any] = [not_blank(required)] if required else [Optional()]
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
            not_blank(required),
            Length(max=254, message="That email address is too long."),
            no_control_characters,
            deliverable_email,
        ],
        **kwargs,
    )


# --- numbers, page addresses and list filters -------------------------------------------

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slug_format(form: Any, field: Any) -> None:
    if field.data and not SLUG.match(field.data):
        raise ValidationError("Use lower-case letters, digits and single hyphens only.")


INT_MAX = 2**31 - 1  # PostgreSQL's integer; SQLAlchemy casts LIMIT and OFFSET to it too


def optional_int(value: Any) -> int | None:
    """A whole number from a query string or form, or None if there is none.

    A number beyond what an integer column holds is brought to its edge: it then matches
    no row, where the number itself would fail in the database (a 500 on both SQLite and
    PostgreSQL).
    """
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return None if number is None else max(-INT_MAX - 1, min(number, INT_MAX))


def page_number(value: Any, *, per_page: int) -> int:
    """The page asked for: 1 if none or nonsense, and never so far on that its offset
    leaves the integer range."""
    return max(1, min(optional_int(value) or 1, INT_MAX // per_page))


def valid_data(field: Field) -> Any:
    """A field's value if it passed validation, else None: filters use only what they can
    read, and what they can't is shown as a problem instead of reaching the database."""
    return None if field.errors else field.data


class WholeNumberField(IntegerField):
    """A whole number as a person types it: "12,345" and "12 345" are 12345. Anything
    that isn't a whole number is left empty for the range validator, so the person reads
    one message that names the allowed range, not WTForms' "Not a valid integer value."
    as well."""

    data: Any  # an int once validated, as WTForms' IntegerField has it

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = re.sub(r"[\s,]", "", str(valuelist[0]))
        try:  # int() also refuses more than 4,300 digits
            self.data = int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else None
        except ValueError:
            self.data = None


def whole_number_range(low: int, high: int) -> NumberRange:
    return NumberRange(min=low, max=high, message=f"Enter a whole number from {low:,} to {high:,}.")


# --- forms on public pages: no cookie ---------------------------------------------------


class CookielessForm(FlaskForm):
    """A form on a public page, which sets no cookie (SEC-05): no session-bound CSRF token.

    What stands in for it: the same-origin check every unsafe request passes
    (campaign/security.py), plus either the signed token in the URL the form posts to
    (pages reached from an emailed link) or a `FormToken` field. Its view is exempt from
    the session CSRF check (`@csrf.exempt`); a test holds every exempt view to this class.
    """

    class Meta:
        csrf = False


class LinkButtonForm(CookielessForm):
    """Only a button, on a page reached from an emailed link (confirm a signature, erase,
    stay, unsubscribe): the signed token in the address it posts to is the proof, so it
    needs no cookie. GET shows it; only its POST acts (mail scanners open every link)."""


def issue_form_token(purpose: str) -> str:
    """A signed, timestamped token naming the form it belongs to."""
    return make_token(f"form:{purpose}", int(time.time()))


def form_token_age(purpose: str, token: str, *, max_age: int) -> float:
    """Seconds since the token was issued. Raises BadToken (altered, missing, for another
    form) or ExpiredToken (older than max_age)."""
    issued = read_token(f"form:{purpose}", token, max_age=max_age)
    if not isinstance(issued, int):
        raise BadToken("not a form token")
    return time.time() - issued


class FormToken(HiddenField):
    """The signed, expiring token of a cookieless form: refused when altered or too old,
    with a message next to the button; every display of the form carries a valid one."""

    data: Any

    def __init__(self, purpose: str, *, max_age: int = 24 * 3600, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.purpose = purpose
        self.max_age = max_age

    def _value(self) -> str:
        if not self.data:
            self.data = issue_form_token(self.purpose)
        return str(self.data)

    def pre_validate(self, form: Any) -> None:
        try:
            form_token_age(self.purpose, self.data or "", max_age=self.max_age)
        except BadToken as exc:
            self.data = issue_form_token(self.purpose)
            raise ValidationError(
                "This page was open for a long time. Check your answers and send it again."
            ) from exc
