"""Forms work in production over HTTPS, public pages set no cookie (SEC-05), and no
other site can post a form in a visitor's name (SEC-07)."""

from __future__ import annotations

import re

from campaign.accounts.views import FAILED
from campaign.extensions import csrf, db
from campaign.pledges.models import Signature
from campaign.supporters.models import Supporter
from campaign.tokens import make_token
from tests.conftest import hidden_inputs

PRODUCTION = {
    "ENV_NAME": "production",
    "SITE_URL": "https://frontline.test",
    "SESSION_COOKIE_NAME": "__Host-session",
    "SESSION_COOKIE_SECURE": True,
    "PREFERRED_URL_SCHEME": "https",
    "HSTS": True,
    "DEV_OUTBOX": False,
}


def no_cookie_set(response) -> bool:
    return "Set-Cookie" not in response.headers


def test_a_whole_supporter_journey_sets_no_cookie(client, make_pledge, sign_data, smtp):
    """Sign, confirm, ask for the manage link, change choices, see erase: no cookie on any
    answer, and the client never holds one."""
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    responses = [client.get("/"), client.get("/areas"), client.get("/privacy")]
    page = client.get(url)
    responses.append(page)
    responses.append(
        client.post(url, data={**hidden_inputs(page.get_data(as_text=True)), **sign_data})
    )
    responses.append(client.get(responses[-1].headers["Location"]))
    confirm_path = re.sub(r"^https?://[^/]+", "", smtp.to("asha@example.org")[0].link("/confirm/"))
    confirm_page = client.get(confirm_path)
    responses += [
        confirm_page,
        client.post(confirm_path, data=hidden_inputs(confirm_page.get_data(as_text=True))),
    ]
    assert "your signature is confirmed" in responses[-1].get_data(as_text=True)

    ask = client.get("/my-data")
    responses.append(ask)
    sent = client.post(
        "/my-data", data={**hidden_inputs(ask.get_data(as_text=True)), "email": "asha@example.org"}
    )
    assert sent.status_code == 303
    responses.append(sent)
    manage_path = re.sub(r"^https?://[^/]+", "", smtp.to("asha@example.org")[-1].link("/my-data/"))
    manage = client.get(manage_path)
    responses.append(manage)
    saved = client.post(
        manage_path, data={**hidden_inputs(manage.get_data(as_text=True)), "frequency": "daily"}
    )
    assert saved.status_code == 303
    responses += [saved, client.get(saved.headers["Location"]), client.get(manage_path + "/erase")]

    assert [r.status_code for r in responses if r.status_code >= 400] == []
    assert [r.request.path for r in responses if not no_cookie_set(r)] == []
    assert list(client._cookies) == []


def test_signing_works_with_cookies_blocked(app, make_pledge, sign_data, smtp):
    """A browser that refuses cookies: every request arrives without one."""
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    fields = hidden_inputs(app.test_client(use_cookies=False).get(url).get_data(as_text=True))
    response = app.test_client(use_cookies=False).post(url, data={**fields, **sign_data})
    assert response.status_code == 303
    assert len(db.session.scalars(db.select(Signature)).all()) == 1
    assert len(smtp.to("asha@example.org")) == 1


def test_manage_link_form_works_with_cookies_blocked_and_keeps_what_was_typed(
    app, smtp, make_signature
):
    make_signature("asha@example.org")
    page = app.test_client(use_cookies=False).get("/my-data").get_data(as_text=True)
    fields = hidden_inputs(page)
    assert "csrf_token" not in fields and fields["form_token"]
    # An altered token: a clear message next to the button, the address kept.
    bad = app.test_client(use_cookies=False).post(
        "/my-data", data={"form_token": "forged", "email": "asha@example.org"}
    )
    assert bad.status_code == 200
    assert "open for a long time" in bad.get_data(as_text=True)
    assert 'value="asha@example.org"' in bad.get_data(as_text=True)
    assert "Your link to manage your data" not in [m.message["Subject"] for m in smtp.messages]
    good = app.test_client(use_cookies=False).post(
        "/my-data", data={**fields, "email": "asha@example.org"}
    )
    assert good.status_code == 303
    subjects = [m.message["Subject"] for m in smtp.to("asha@example.org")]
    assert subjects.count("Your link to manage your data") == 1


def test_forms_work_in_production_over_https_without_a_referer(
    make_app, make_pledge, sign_data, smtp
):
    """Our Referrer-Policy is no-referrer, so browsers send no Referer: Flask-WTF's HTTPS
    Referer check refused every form ("This form has expired")."""
    app = make_app(**PRODUCTION)
    with app.app_context():
        pledge = make_pledge()
        client = app.test_client()
        browser = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}  # what Chromium sends
        base = "https://frontline.test"

        login = client.get("/accounts/login", base_url=base)
        answer = client.post(
            "/accounts/login",
            base_url=base,
            headers=browser,
            data={
                **hidden_inputs(login.get_data(as_text=True)),
                "email": "a@example.org",
                "password": "wrong one, but a real answer",
            },
        )
        assert answer.status_code == 200
        assert "This form has expired" not in answer.get_data(as_text=True)
        assert FAILED in answer.get_data(as_text=True)

        page = client.get(f"/pledges/{pledge.slug}", base_url=base)
        signed = client.post(
            f"/pledges/{pledge.slug}",
            base_url=base,
            headers=browser,
            data={**hidden_inputs(page.get_data(as_text=True)), **sign_data},
        )
        assert signed.status_code == 303
        assert len(smtp.to("asha@example.org")) == 1


def test_posts_from_other_sites_are_refused(client, make_pledge, sign_data, smtp):
    pledge = make_pledge()
    url = f"/pledges/{pledge.slug}"
    fields = {**hidden_inputs(client.get(url).get_data(as_text=True)), **sign_data}
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a subdomain is another site here
        {"Origin": "https://evil.example"},
    ):
        response = client.post(url, data=fields, headers=headers)
        assert response.status_code == 403, headers
        assert "sent from another website" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Supporter)).all() == []
    # The site's own origin, and browsers that say nothing, are let through to the token.
    assert client.post(url, data=fields, headers={"Origin": "http://localhost"}).status_code == 303


def test_one_click_unsubscribe_is_accepted_from_mail_providers(client, make_signature):
    signature = make_signature("asha@example.org", wants_updates=True)
    token = make_token("unsubscribe", [signature.supporter_id, "campaign"])
    response = client.post(f"/u/{token}", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert db.session.get(Supporter, signature.supporter_id).wants_updates is False


def test_only_cookieless_forms_skip_the_session_csrf_check(app):
    """Each exemption is a form that must work without a cookie, proven instead by a
    signed form token or the signed link it posts to; anything else keeps the check."""
    exempt = {name.rpartition(".")[2] for name in csrf._exempt_views}
    assert exempt == {"sign", "confirm", "request_link", "manage", "erase", "stay", "unsubscribe"}
