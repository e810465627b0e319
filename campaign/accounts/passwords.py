"""Passwords: argon2id hashes (SEC-08) and what we accept (SEC-09).

Long passphrases are welcome and nothing forbids pasting. We refuse short passwords,
the most common ones (zxcvbn's offline list of 30,000, checked without any network),
and anything else zxcvbn rates as easy to guess, including variations on the person's
own name, email address or the campaign's name.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MAX_LENGTH = 1000  # long enough for any passphrase; argon2 hashes any length
ZXCVBN_MAX_LENGTH = 72  # zxcvbn's own limit: it rates the first 72 characters
MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection from offline attacks"

_hasher = PasswordHasher()  # argon2-cffi defaults: argon2id, RFC 9106 low-memory profile
_common = frozenset(FREQUENCY_LISTS["passwords"])
_dummy_hash: list[str] = []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _dummy() -> str:
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash("not a real password: equalises the time taken"))
    return _dummy_hash[0]


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown account) check a dummy one, so both cases
    take the same time and answer the same (SEC-12)."""
    try:
        return _hasher.verify(stored_hash or _dummy(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hashing parameters have risen since this hash was made."""
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str, *, user_inputs: list[str]) -> str | None:
    """Why this password is refused, in words for the person choosing it; None if fine."""
    minimum = int(current_app.config["PASSWORD_MIN_LENGTH"])
    if len(password) < minimum:
        return f"Your password must be at least {minimum} characters long."
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer."
    if password.lower() in _common or password.strip().lower() in _common:
        return "That is one of the most common passwords. Choose another."
    inputs = [part for value in user_inputs for part in _words(value)]
    inputs += _words(current_app.config["ORG_NAME"])
    if not _strong(password, inputs):
        return (
            "That password is too easy to guess. Try a passphrase of four or more random "
            "words, or let a password manager make one."
        )
    # Built on the person's own name or address: what is left must be strong by itself.
    remainder = password
    for piece in sorted(inputs, key=len, reverse=True):
        remainder = re.sub(re.escape(piece), "", remainder, flags=re.IGNORECASE)
    if remainder != password and not _strong(remainder, inputs):
        return (
            "That password is too easy to guess: it is built on your own name or email "
            "address. Try a passphrase of four or more random words."
        )
    return None


def _strong(password: str, inputs: list[str]) -> bool:
    if not password:
        return False
    return int(zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)["score"]) >= MIN_SCORE


def _words(value: str) -> list[str]:
    """An email or name split into the pieces people build passwords from."""
    value = value.lower()
    pieces = [value, *value.replace("@", " ").replace(".", " ").split()]
    return [p for p in pieces if len(p) >= 3]
