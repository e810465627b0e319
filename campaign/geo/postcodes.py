"""UK postcode format checks. Pure functions: no data files, no I/O."""

import re
import unicodedata

MAX_INPUT_LENGTH = 16
EXAMPLE = "SW1A 1AA"

# Outward code (area letters, district digit, optional digit or letter) then inward code
# (sector digit, two unit letters). Unit letters never include C, I, K, M, O or V. Every
# postcode in the ONS data except GIR 0AA and the long-dead NPT codes has this shape.
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})")
_OUTWARD_ONLY = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")

_ENTER_FULL = f"Enter a full UK postcode, like {EXAMPLE}."
_ONLY_LETTERS = f"A postcode only has letters, numbers and a space. {_ENTER_FULL}"

# Crown Dependencies have postcodes but are not part of the UK.
OUTSIDE_UK_AREAS = {"GY": "Guernsey", "JE": "Jersey", "IM": "the Isle of Man"}


class PostcodeError(ValueError):
    """A postcode we can't use; str(error) is a sentence to show next to the form field."""


class InvalidPostcode(PostcodeError):
    """Not shaped like a full UK postcode."""


class UnknownPostcode(PostcodeError):
    """Shaped like a postcode, but not one in the UK that we know of."""


def normalise_postcode(raw: str) -> str:
    """Return the postcode in its usual form, "SW1A 1AA", or raise InvalidPostcode.

    Tolerates lower case and any amount or kind of space; rejects control characters,
    punctuation and anything longer than MAX_INPUT_LENGTH.
    """
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidPostcode(f"That is too long for a postcode. {_ENTER_FULL}")
    categories = [unicodedata.category(char) for char in raw]
    if any(cat.startswith("C") and cat != "Cf" for cat in categories):
        raise InvalidPostcode(_ONLY_LETTERS)
    # Invisible format characters (zero-width spaces, soft hyphens) come with copy and
    # paste and can't be seen to be removed, so drop them. NFKC turns non-breaking and
    # other Unicode spaces into " " and full-width letters and digits into ASCII ones.
    visible = "".join(char for char, cat in zip(raw, categories, strict=True) if cat != "Cf")
    text = " ".join(unicodedata.normalize("NFKC", visible).upper().split())
    if not text:
        raise InvalidPostcode("Enter your postcode.")
    if not set(text) <= _ALLOWED:
        raise InvalidPostcode(_ONLY_LETTERS)
    compact = text.replace(" ", "")
    if compact.startswith("BFPO"):
        raise InvalidPostcode(f"We can't use BFPO numbers. {_ENTER_FULL}")
    match = _POSTCODE.fullmatch(compact)
    if match is None:
        if _OUTWARD_ONLY.fullmatch(compact):
            raise InvalidPostcode(
                f"Enter your full postcode, like {EXAMPLE}, not just the first part."
            )
        raise InvalidPostcode(_ENTER_FULL)
    return f"{match[1]} {match[2]}"


def compact_postcode(postcode: str) -> str:
    """The key used in the lookup table: upper case, no spaces ("SW1A1AA")."""
    return postcode.replace(" ", "").upper()


def postcode_area(postcode: str) -> str:
    """The leading letters of a postcode: "SW" for "SW1A 1AA"."""
    return postcode[: 2 if postcode[1].isalpha() else 1]
