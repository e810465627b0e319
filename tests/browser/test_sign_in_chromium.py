"""Signing a pledge in headless Chromium, confirming from the email that really arrived."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import PHONE, SIGNER, LiveServer, fill_sign_form
from tests.conftest import SMTPRecorder

pytestmark = pytest.mark.browser

PLEDGE_TITLE = "GP surgery staff: registering with a GP should never be a risk"


def home_total(page: Page) -> str:
    return page.locator(".hero .total").inner_text()


def open_pledge_from_home(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server("/"))
    page.get_by_role("link", name=PLEDGE_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PLEDGE_TITLE)


def confirm_from_inbox(page: Page, smtp: SMTPRecorder, address: str) -> None:
    [mail] = smtp.to(address)
    assert mail.message["Subject"] == "Confirm your pledge"
    page.goto(mail.link("/confirm/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your signature")
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your signature is confirmed"
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_sign_confirm_and_see_the_count(
    make_context: Callable[..., BrowserContext],
    live_server: LiveServer,
    smtp: SMTPRecorder,
    javascript: bool,
) -> None:
    page = make_context(java_script_enabled=javascript).new_page()
    open_pledge_from_home(page, live_server)
    expect(page.locator(".progress-label")).to_contain_text("0 people have signed")

    fill_sign_form(page, display="My first name and last initial")
    page.get_by_role("button", name="Sign the pledge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert smtp.to(SIGNER["email"])[0].rcpt_tos == [SIGNER["email"]]

    # Nothing counts before the signer confirms.
    page.goto(live_server("/"))
    assert home_total(page) == "0 confirmed signatures so far."

    confirm_from_inbox(page, smtp, SIGNER["email"])
    expect(page.locator(".panel")).to_contain_text("1 confirmed signature for this pledge.")

    page.goto(live_server("/"))
    assert home_total(page) == "1 confirmed signature so far."
    card = page.locator(".card", has=page.get_by_role("link", name=PLEDGE_TITLE))
    expect(card.locator(".progress-label")).to_have_text("1 of 5,000 signatures")

    page.get_by_role("link", name=PLEDGE_TITLE).click()
    expect(page.locator(".progress-label")).to_contain_text("1 person has signed")
    # The signer chose "first name and last initial".
    expect(page.locator(".names")).to_have_text("Asha P.")

    counts = page.request.get(live_server("/api/v1/counts")).json()
    assert counts["total"] == 1
    assert [p["count"] for p in counts["pledges"] if p["slug"] == "gp-surgeries"] == [1]


def sign_with_work_address(page: Page, live_server: LiveServer) -> Locator:
    """Fill in the form with an NHS address and send it: the warning it brings up."""
    open_pledge_from_home(page, live_server)
    fill_sign_form(page, email="asha.patel@nhs.net")
    page.get_by_role("button", name="Sign the pledge").click()
    warning = page.get_by_role("alert").filter(has_text="Is this your work email?")
    expect(warning).to_be_in_viewport()
    return warning


def test_employer_address_warns_and_may_go_on(
    page: Page, live_server: LiveServer, smtp: SMTPRecorder
) -> None:
    warning = sign_with_work_address(page, live_server)
    expect(warning).to_contain_text("asha.patel@nhs.net")
    expect(warning).to_contain_text("personal address")
    assert smtp.messages == []  # nothing recorded or sent yet
    # Everything typed is still there, so going on is one press.
    expect(page.get_by_label("Your name", exact=True)).to_have_value(SIGNER["name"])
    expect(page.get_by_label("Email address", exact=True)).to_have_value("asha.patel@nhs.net")
    expect(page.get_by_label("Postcode", exact=True)).to_have_value(SIGNER["postcode"])
    expect(page.get_by_role("checkbox", name=re.compile("recording my pledge"))).to_be_checked()

    page.get_by_role("button", name="Sign with this address anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    confirm_from_inbox(page, smtp, "asha.patel@nhs.net")


def test_employer_warning_then_personal_address(
    make_context: Callable[..., BrowserContext], live_server: LiveServer, smtp: SMTPRecorder
) -> None:
    page = make_context(viewport=PHONE).new_page()
    warning = sign_with_work_address(page, live_server)  # on a phone, it opens at the warning
    page.get_by_label("Email address", exact=True).fill("asha@example.org")
    # The warning was about the work address: it and the "anyway" button go with it.
    expect(warning).to_be_hidden()
    expect(page.get_by_role("button", name="Sign with this address anyway")).to_have_count(0)
    page.get_by_label("Email address", exact=True).fill("asha.patel@nhs.net")
    expect(page.get_by_role("button", name="Sign with this address anyway")).to_be_visible()
    page.get_by_label("Email address", exact=True).fill("asha@example.org")
    page.get_by_role("button", name="Sign the pledge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert [m.rcpt_tos for m in smtp.messages] == [["asha@example.org"]]


def test_errors_are_shown_next_to_the_fields_and_input_kept(
    make_context: Callable[..., BrowserContext], live_server: LiveServer, smtp: SMTPRecorder
) -> None:
    page = make_context(viewport=PHONE).new_page()
    open_pledge_from_home(page, live_server)
    page.get_by_label("Your name", exact=True).fill("")
    page.get_by_label("Email address", exact=True).fill("asha-at-example.org")
    page.get_by_label("Postcode", exact=True).fill("ZZ99 9ZZ")
    page.get_by_label("Your role (optional)").fill("Practice nurse")
    page.get_by_label("My full name").check()
    page.get_by_role("button", name="Sign the pledge").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    # On a phone the form is below the long statement: the page opens at the problems.
    expect(summary).to_be_in_viewport()
    assert page.title().startswith("Error: ")
    for label, message in [
        ("Your name", "Enter your name."),
        ("Email address", "Enter an email address like name@example.org."),
        ("Postcode", "ZZ99 9ZZ"),  # "We can't find the postcode ZZ99 9ZZ …"
    ]:
        field = page.locator(".field", has=page.get_by_label(label, exact=True))
        expect(field).to_have_class(re.compile("field-invalid"))
        error = field.locator(".field-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text(message)
        expect(summary).to_contain_text(re.sub(r"^\s*Error:\s*", "", error.text_content() or ""))
        # Screen readers hear the error with the field.
        described_by = page.get_by_label(label, exact=True).get_attribute("aria-describedby")
        assert described_by and error.get_attribute("id") in described_by.split()
    consent = page.locator(".field", has=page.get_by_role("checkbox", name=re.compile("recording")))
    expect(consent.locator(".field-error")).to_have_text(
        "Error: Tick this box to record your pledge."
    )

    # What was typed is kept.
    expect(page.get_by_label("Email address", exact=True)).to_have_value("asha-at-example.org")
    expect(page.get_by_label("Postcode", exact=True)).to_have_value("ZZ99 9ZZ")
    expect(page.get_by_label("Your role (optional)")).to_have_value("Practice nurse")
    expect(page.get_by_label("My full name")).to_be_checked()

    # The summary's links take the person to the field (without JavaScript: no focus).
    summary.get_by_role("link", name="Enter your postcode.").or_(
        summary.get_by_role("link", name=re.compile("ZZ99 9ZZ"))
    ).click()
    assert page.url.endswith("#postcode")
    expect(page.get_by_label("Postcode", exact=True)).to_be_in_viewport()

    # Put right, it goes through.
    fill_sign_form(page)
    page.get_by_role("button", name="Sign the pledge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert [m.rcpt_tos for m in smtp.messages] == [[SIGNER["email"]]]
