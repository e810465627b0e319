import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign.geo import InvalidPostcode, PostcodeError, normalise_postcode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("S W 1 A 1 A A", "SW1A 1AA"),
        ("sw1a\u00a01aa", "SW1A 1AA"),  # non-breaking space
        ("SW1A\u200b1AA", "SW1A 1AA"),  # zero-width space, from copy and paste
        ("ＳＷ１Ａ １ＡＡ", "SW1A 1AA"),  # full-width
        ("m11ae", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("cr26xh", "CR2 6XH"),
        ("dn551pt", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("bt1 1aa", "BT1 1AA"),
    ],
)
def test_normalises_valid_postcodes(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter your postcode."),
        ("   ", "Enter your postcode."),
        ("SW1A 1AA SW1A 1AA", "That is too long for a postcode"),
        ("LONDON", "Enter a full UK postcode, like SW1A 1AA."),
        ("12345", "Enter a full UK postcode, like SW1A 1AA."),
        ("SW1A 1A", "Enter a full UK postcode, like SW1A 1AA."),
        ("SW1A 1AAA", "Enter a full UK postcode, like SW1A 1AA."),
        ("SW1A 1CI", "Enter a full UK postcode, like SW1A 1AA."),  # C and I never end one
        ("1SW 1AA", "Enter a full UK postcode, like SW1A 1AA."),
        ("GIR 0AA", "Enter a full UK postcode, like SW1A 1AA."),
        ("SW1A", "not just the first part"),
        ("sw1a ", "not just the first part"),
        ("SW1A\t1AA", "only has letters, numbers and a space"),
        ("SW1A 1AA\n", "only has letters, numbers and a space"),
        ("SW1A\x001AA", "only has letters, numbers and a space"),
        ("SW1A-1AA", "only has letters, numbers and a space"),
        ("SW1A 1AA😀", "only has letters, numbers and a space"),
        ("ŞW1A 1AA", "only has letters, numbers and a space"),
        ("BFPO 1234", "We can't use BFPO numbers"),
    ],
)
def test_rejects_malformed_input_with_a_message(raw: str, message: str) -> None:
    with pytest.raises(InvalidPostcode) as excinfo:
        normalise_postcode(raw)
    assert message in str(excinfo.value)
    assert isinstance(excinfo.value, PostcodeError)
    assert isinstance(excinfo.value, ValueError)


@given(st.text(max_size=20))
def test_any_text_is_normalised_or_rejected_with_a_message(raw: str) -> None:
    try:
        postcode = normalise_postcode(raw)
    except InvalidPostcode as error:
        assert str(error).endswith(".")
    else:
        assert normalise_postcode(postcode) == postcode
        assert postcode.isascii()
        assert len(postcode) <= 8
