"""Hypothesis fuzzing of the sign form (SEC-17): whatever is sent, no 5xx, no header
injection, and nothing stored from a rejected submission."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.extensions import db
from campaign.pledges.models import Signature
from campaign.supporters.models import ConsentRecord, Supporter
from tests.conftest import hidden_inputs

nasty_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\r\n",
            "a\r\nBcc: victim@example.org",
            "=cmd|' /C calc'!A0",
            "<script>alert(1)</script>",
            "\x00",
            "😀" * 60,
            "a" * 5000,
            "%ff",
            "SW1A 1AA\nX-Header: 1",
        ]
    ),
)
emails = st.one_of(
    st.emails(),
    st.sampled_from(
        [
            "asha@example.org",
            "asha@example.org\r\nBcc: x@example.org",
            "not-an-email",
            "a@b",
            "@example.org",
            "a" * 300 + "@example.org",
        ]
    ),
    nasty_text,
)
postcodes = st.one_of(
    st.sampled_from(["SW1A 1AA", "sw1a1aa", "ZZ99 9ZZ", "JE2 3QN", "EH1 1YZ"]), nasty_text
)


def table_counts():
    return tuple(
        len(db.session.scalars(db.select(model)).all())
        for model in (Supporter, Signature, ConsentRecord)
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=nasty_text,
    email=emails,
    postcode=postcodes,
    role=nasty_text,
    display=st.one_of(st.sampled_from(["none", "initial", "full"]), nasty_text),
    consent=st.sampled_from(["y", "", "no", "\r\n"]),
    extra=st.dictionaries(st.text(max_size=20), nasty_text, max_size=3),
)
def test_sign_form_never_fails_badly(
    client, make_pledge, smtp, name, email, postcode, role, display, consent, extra
):
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    fields = hidden_inputs(client.get(url).get_data(as_text=True))
    before = table_counts()
    data = {
        **extra,
        **fields,
        "name": name,
        "email": email,
        "postcode": postcode,
        "role": role,
        "display": display,
        "consent": consent,
    }
    response = client.post(url, data=data)
    assert response.status_code < 500
    assert response.status_code in (200, 303, 400, 422)
    if response.status_code != 303:
        assert table_counts() == before  # a rejected submission stores nothing
    for supporter in db.session.scalars(db.select(Supporter)):
        assert "\r" not in supporter.email and "\n" not in supporter.email
        assert "\r" not in supporter.name and "\n" not in supporter.name
    for mail in smtp.messages:
        assert len(mail.rcpt_tos) == 1
        assert mail.message["Bcc"] is None and mail.message["X-Header"] is None
        assert mail.message["Subject"] in (
            "Confirm your pledge",
            "You have already signed this pledge",
        )
