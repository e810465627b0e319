"""Signing a pledge and confirming it from the inbox, end to end over real SMTP."""

from __future__ import annotations

from urllib.parse import urlsplit

from campaign.extensions import db
from campaign.pledges.models import Signature
from campaign.supporters.models import ConsentRecord, Supporter
from campaign.tokens import make_token
from tests.conftest import hidden_inputs


def test_sign_confirm_and_count(client, make_pledge, submit_form, sign_data, smtp):
    pledge = make_pledge(target=50)
    url = f"/pledges/{pledge.slug}"

    response = submit_form(url, sign_data)
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert "Check your email" in thanks.get_data(as_text=True)

    # The confirmation really arrived, addressed to the signer alone.
    [mail] = smtp.to("asha@example.org")
    assert mail.message["Subject"] == "Confirm your pledge"
    assert pledge.title in mail.text
    assert client.get("/api/v1/counts").get_json()["total"] == 0

    confirm_path = urlsplit(mail.link("/confirm/")).path
    page = client.get(confirm_path)  # a mail scanner opening the link changes nothing
    assert "Confirm my signature" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(Signature)).confirmed_at is None

    confirmed = submit_form(confirm_path, {})
    assert confirmed.status_code == 200
    assert "your signature is confirmed" in confirmed.get_data(as_text=True)

    counts = client.get("/api/v1/counts").get_json()
    assert counts["total"] == 1
    assert [p["count"] for p in counts["pledges"] if p["slug"] == pledge.slug] == [1]
    assert {n["code"]: n["count"] for n in counts["nations"]}["E"] is None  # under 10
    # One signature in Westminster: the area table must not reveal it (PRIV-10).
    home = client.get("/").get_data(as_text=True)
    assert "fewer than 10" in home
    assert ">1<" in client.get(url).get_data(as_text=True).replace("</strong>", "<")


def test_second_confirmation_says_already_done(client, make_pledge, submit_form, sign_data, smtp):
    pledge = make_pledge()
    submit_form(f"/pledges/{pledge.slug}", sign_data)
    path = urlsplit(smtp.to("asha@example.org")[0].link("/confirm/")).path
    form = hidden_inputs(client.get(path).get_data(as_text=True))
    assert client.post(path, data=form).status_code == 200
    # The same button pressed again (another tab), and the link opened again later.
    assert "already confirmed" in client.post(path, data=form).get_data(as_text=True)
    assert "already confirmed" in client.get(path).get_data(as_text=True)
    assert client.get("/api/v1/counts").get_json()["total"] == 1


def test_consent_records_and_stored_fields(client, make_pledge, submit_form, sign_data, smtp):
    pledge = make_pledge()
    submit_form(f"/pledges/{pledge.slug}", {**sign_data, "wants_updates": "y"})
    supporter = db.session.scalar(db.select(Supporter))
    assert supporter.email == "asha@example.org"
    assert supporter.wants_updates is False  # not until the address is confirmed
    records = db.session.scalars(db.select(ConsentRecord).order_by(ConsentRecord.id)).all()
    assert [r.purpose for r in records] == [f"pledge:{pledge.slug}", "updates"]
    assert all(r.granted and r.channel == "sign form" and len(r.text_hash) == 64 for r in records)
    signature = db.session.scalar(db.select(Signature))
    assert signature.area_code == "E09000033"
    assert signature.display == "initial"


def test_broken_expired_and_stale_links_get_clear_pages(make_app, make_pledge, make_signature):
    from campaign.tokens import make_token

    app = make_app(CONFIRM_TOKEN_MAX_AGE=-1)
    with app.app_context():
        signature = make_signature(confirmed=False)
        client = app.test_client()
        expired = client.get(f"/confirm/{make_token('confirm', signature.id)}")
        assert expired.status_code == 410
        assert "This confirmation link has expired" in expired.get_data(as_text=True)
    with make_app().app_context():
        client = make_app().test_client()
        broken = client.get("/confirm/not-a-real-token")
        assert broken.status_code == 404
        assert "This link does not work" in broken.get_data(as_text=True)
        gone = client.get(f"/confirm/{make_token('confirm', 99999)}")
        assert gone.status_code == 404
        assert "This signature no longer exists" in gone.get_data(as_text=True)
        # A token made for another purpose is not a confirmation token.
        other = client.get(f"/confirm/{make_token('unsubscribe', 1)}")
        assert other.status_code == 404


def test_validation_errors_are_shown_next_to_fields_and_input_kept(
    client, make_pledge, submit_form, sign_data
):
    pledge = make_pledge()
    bad = {**sign_data, "email": "not-an-email", "postcode": "ZZ99 9ZZ", "name": ""}
    response = submit_form(f"/pledges/{pledge.slug}", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert 'id="email-error"' in page and "Enter an email address like" in page
    assert 'id="name-error"' in page and "Enter your name." in page
    assert 'id="postcode-error"' in page
    assert 'value="not-an-email"' in page and 'value="ZZ99 9ZZ"' in page
    assert 'value="Receptionist"' in page
    assert 'aria-invalid="true"' in page


def test_closed_pledge_takes_no_signatures(client, make_pledge, submit_form, sign_data):
    pledge = make_pledge()
    page = client.get(f"/pledges/{pledge.slug}")
    pledge.is_open = False
    db.session.commit()
    closed = client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    assert "This pledge is closed" in closed and "<form" not in closed.split("sign-title")[1]
    fields = hidden_inputs(page.get_data(as_text=True))
    response = client.post(f"/pledges/{pledge.slug}", data={**fields, **sign_data})
    assert response.status_code == 410
    assert db.session.scalars(db.select(Signature)).all() == []


def test_addresses_smtp_cannot_carry_are_refused_and_idn_domains_kept(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    refused = submit_form(f"/pledges/{pledge.slug}", {**sign_data, "email": "josé@example.org"})
    assert refused.status_code == 422
    assert "Enter an email address like" in refused.get_data(as_text=True)
    accepted = submit_form(f"/pledges/{pledge.slug}", {**sign_data, "email": "asha@exämple.org"})
    assert accepted.status_code == 303
    assert smtp.to("asha@xn--exmple-cua.org")[0].message["Subject"] == "Confirm your pledge"


def test_one_new_address_signing_two_pledges_at_once_gets_both(
    make_app, make_pledge, sign_data, smtp
):
    import threading

    app = make_app()
    with app.app_context():
        pledges = [make_pledge(), make_pledge("schools", title="Schools", statement="I will.")]
        clients = [app.test_client() for _ in pledges]
        forms = [
            hidden_inputs(c.get(f"/pledges/{p.slug}").get_data(as_text=True))
            for c, p in zip(clients, pledges, strict=True)
        ]
        barrier = threading.Barrier(2)
        statuses = []

        def submit(client, pledge, fields):
            barrier.wait()
            statuses.append(
                client.post(f"/pledges/{pledge.slug}", data={**fields, **sign_data}).status_code
            )

        threads = [
            threading.Thread(target=submit, args=args)
            for args in zip(clients, pledges, forms, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [303, 303]
        db.session.expire_all()
        assert len(db.session.scalars(db.select(Signature)).all()) == 2
        assert len(db.session.scalars(db.select(Supporter)).all()) == 1


def test_a_name_or_email_of_spaces_is_as_empty_as_nothing(
    client, make_pledge, submit_form, sign_data, smtp
):
    """Required means required after trimming: "   " was stored as an empty address."""
    pledge = make_pledge()
    response = submit_form(
        f"/pledges/{pledge.slug}", {**sign_data, "name": "   ", "email": "   ", "postcode": " "}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your name." in page and "Enter your email address." in page
    assert "Enter your postcode." in page
    assert db.session.scalars(db.select(Supporter)).all() == []
    asked = submit_form("/my-data", {"email": "   "})
    assert (
        asked.status_code == 200
        and "Enter the email address you signed with." in asked.get_data(as_text=True)
    )


def test_confirming_a_flagged_sign_up_tells_the_truth_kindly(client, make_signature):
    signature = make_signature("asha@example.org", confirmed=False, flag_reason="rate-limit-ip")
    path = f"/confirm/{make_token('confirm', signature.id)}"
    page = client.post(path, data=hidden_inputs(client.get(path).get_data(as_text=True)))
    text = page.get_data(as_text=True)
    assert "your signature is recorded" in text
    assert "will join the public count once we have checked it" in text
    assert "your signature is confirmed" not in text and "0</strong> confirmed" not in text


def test_a_closed_pledge_is_not_headed_sign_this_pledge(client, make_pledge):
    pledge = make_pledge(is_open=False)
    page = client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    assert "Sign this pledge" not in page
    assert '<h2 id="sign-title">This pledge is closed</h2>' in page


def test_the_work_email_warning_is_about_one_address(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    warned = submit_form(url, {**sign_data, "email": "asha@nhs.net"})
    assert "Is this your work email?" in warned.get_data(as_text=True)
    fields = hidden_inputs(warned.get_data(as_text=True))
    # A second work address gets its own warning …
    second = client.post(url, data={**fields, **sign_data, "email": "asha@leeds.gov.uk"})
    assert second.status_code == 200
    assert "<strong>asha@leeds.gov.uk</strong> looks like an address your employer" in (
        second.get_data(as_text=True)
    )
    # … and a personal address signs, with the ordinary button on the page.
    assert 'data-normal="Sign the pledge"' in second.get_data(as_text=True)
    personal = client.post(url, data={**fields, **sign_data, "email": "asha@example.org"})
    assert personal.status_code == 303
    assert db.session.scalars(db.select(Supporter)).one().email == "asha@example.org"
