"""PRIV-01…03, PRIV-09…12 on the sign form and the public pages."""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa

from campaign.extensions import db
from campaign.supporters.models import ConsentRecord, Supporter
from tests.conftest import hidden_inputs
from tests.pledges.attacker import pinned, published_on_site


def test_form_asks_for_nothing_beyond_what_is_needed(client, make_pledge):
    page = client.get(f"/pledges/{make_pledge().slug}").get_data(as_text=True)
    form = page[page.index("<form") : page.index("</form>")]
    names = set(re.findall(r'name="([^"]+)"', form))
    assert names == {
        "started",
        "employer_ack",
        "website",
        "name",
        "email",
        "postcode",
        "role",
        "display",
        "consent",
        "wants_updates",
        "wants_alerts",
    }
    for forbidden in [
        "employer",
        "address",
        "phone",
        "birth",
        "nationality",
        "immigration",
        "union",
    ]:
        assert not any(forbidden in name for name in names - {"employer_ack"}), forbidden


def test_consent_boxes_are_separate_unticked_and_the_pledge_one_required(
    client, make_pledge, submit_form, sign_data
):
    pledge = make_pledge()
    page = client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    for box in ["consent", "wants_updates", "wants_alerts"]:
        tag = re.search(rf'<input[^>]*name="{box}"[^>]*>', page).group(0)
        assert 'type="checkbox"' in tag and "checked" not in tag
    assert re.search(
        r'<input[^>]*checked[^>]*value="none"|<input[^>]*value="none"[^>]*checked', page
    )
    response = submit_form(
        f"/pledges/{pledge.slug}", {k: v for k, v in sign_data.items() if k != "consent"}
    )
    assert response.status_code == 422
    assert "Tick this box to record your pledge." in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Supporter)).all() == []


def test_consent_record_keeps_version_and_hash_of_the_words_shown(
    client, make_pledge, submit_form, sign_data
):
    pledge = make_pledge()
    page = client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    submit_form(f"/pledges/{pledge.slug}", {**sign_data, "wants_alerts": "y"})
    import hashlib

    from campaign.supporters.consent import alerts_consent

    alerts = db.session.scalar(db.select(ConsentRecord).filter_by(purpose="alerts:health"))
    shown = alerts_consent("Health")
    assert shown in page
    assert alerts.text_hash == hashlib.sha256(shown.encode()).hexdigest()
    assert alerts.wording_version.startswith("consent-1/pledge-gp-surgeries-v1")


def test_raw_ip_is_never_stored_or_logged(client, make_pledge, sign_data, caplog):
    pledge = make_pledge()
    ip = "203.0.113.77"
    caplog.set_level(logging.DEBUG)
    env = {"REMOTE_ADDR": ip}
    fields = hidden_inputs(
        client.get(f"/pledges/{pledge.slug}", environ_base=env).get_data(as_text=True)
    )
    client.post(f"/pledges/{pledge.slug}", data={**fields, **sign_data}, environ_base=env)
    assert db.session.scalars(db.select(Supporter)).all()
    dump = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            dump.append(" ".join(str(value) for value in row))
    assert ip not in "\n".join(dump)
    assert ip not in caplog.text


def test_small_area_counts_are_hidden(client, make_signature):
    for n in range(3):
        make_signature(f"a{n}@example.org", area_code="E09000033")
    for n in range(12):
        make_signature(f"b{n}@example.org", area_code="E08000025")  # Birmingham
    page = client.get("/areas").get_data(as_text=True)
    assert re.search(r"Birmingham</th><td[^>]*>12<", page)
    assert re.search(r"Westminster</th><td[^>]*>fewer than 10<", page)
    assert ">3<" not in page
    # Every authority is listed, so England's 15 less Birmingham's 12 could be anywhere.
    assert re.search(r"Adur</th><td[^>]*>fewer than 10<", page)


def test_small_figures_cannot_be_recovered_by_subtraction(client, make_signature):
    """Issue 6: home showed England 13, Leeds 12 and Manchester, the only other English
    area, as "fewer than 10": so Manchester was 1. Nothing on the home page, /areas, the
    API or the embeds may pin a hidden figure, nor may they disagree about one."""
    for n in range(12):
        make_signature(f"leeds{n}@example.org", area_code="E08000035")
    make_signature("manchester@example.org", area_code="E08000003")
    published = published_on_site(client, threshold=10)
    assert published.total == 13
    truth = {"E": 13, "E08000035": 12, "E08000003": 1}
    assert pinned(published, truth) == {}


def test_hidden_figures_are_explained_where_they_are_shown(client, make_signature):
    for n in range(50):
        make_signature(f"e{n}@example.org", area_code="E08000035")
    for n in range(12):
        make_signature(f"w{n}@example.org", area_code="W06000015")
    for n in range(10):
        make_signature(f"s{n}@example.org", area_code="S12000036")
    make_signature("n@example.org", area_code="N09000003")
    home = client.get("/").get_data(as_text=True)
    # The total less England, Wales and Scotland would give Northern Ireland's 1 away.
    assert 'Scotland</th><td class="num">10 or more<' in home
    assert 'Northern Ireland</th><td class="num">fewer than 10<' in home
    assert "“10 or more”" in home and "subtracting" in home
    nations = client.get("/api/v1/counts").get_json()["nations"]
    assert [(n["count"], n["hidden"]) for n in nations] == [
        (50, None),
        (12, None),
        (None, "secondary"),
        (None, "small"),
    ]
    assert "subtracting" in client.get("/areas").get_data(as_text=True)


def test_names_are_published_only_with_opt_in(client, make_pledge, make_signature):
    pledge = make_pledge()
    make_signature("a@example.org", pledge=pledge, name="Hidden Person", display="none")
    make_signature("b@example.org", pledge=pledge, name="Initial Person", display="initial")
    make_signature("c@example.org", pledge=pledge, name="Full Person", display="full")
    make_signature(
        "d@example.org", pledge=pledge, name="Unconfirmed Person", display="full", confirmed=False
    )
    page = client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    assert "Full Person" in page
    assert "Initial P." in page and "Initial Person" not in page
    assert "Hidden" not in page and "Unconfirmed" not in page


def test_employer_address_warns_first_and_keeps_everything_typed(
    client, make_pledge, submit_form, sign_data, smtp
):
    pledge = make_pledge()
    work = {**sign_data, "email": "asha.patel@nhs.net"}
    warned = submit_form(f"/pledges/{pledge.slug}", work)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 200
    assert "Is this your work email?" in page
    assert 'value="asha.patel@nhs.net"' in page and 'value="Asha Patel"' in page
    assert 'value="SW1A 1AA"' in page and 'value="Receptionist"' in page
    assert db.session.scalars(db.select(Supporter)).all() == []
    # Going on with the same address: the hidden acknowledgement is now in the form.
    fields = hidden_inputs(page)
    assert fields["employer_ack"] == "asha.patel@nhs.net"
    response = client.post(f"/pledges/{pledge.slug}", data={**fields, **work})
    assert response.status_code == 303
    assert len(smtp.to("asha.patel@nhs.net")) == 1


def test_every_employer_domain_is_recognised():
    from campaign.pledges.services import is_employer_address

    for address in [
        "a@nhs.net",
        "a@leeds.nhs.uk",
        "a@dwp.gov.uk",
        "a@met.police.uk",
        "a@school.sch.uk",
        "a@ucl.ac.uk",
        "a@gov.scot",
        "a@gov.wales",
    ]:
        assert is_employer_address(address), address
    for address in ["a@gmail.com", "a@proton.me", "a@notnhs.net", "a@nhs.net.evil.com"]:
        assert not is_employer_address(address), address


def test_privacy_notice_is_linked_from_the_form_and_covers_the_checklist(client, make_pledge):
    page = client.get(f"/pledges/{make_pledge().slug}").get_data(as_text=True)
    assert 'href="/privacy"' in page
    notice = client.get("/privacy").get_data(as_text=True).lower()
    # The ICO's right-to-be-informed checklist, item by item.
    for item in [
        "contact",
        "purpose",
        "lawful basis",
        "article 9",
        "how long we keep",
        "who can see",
        "access",
        "erase",
        "correct",
        "portab",
        "object",
        "withdraw",
        "information commissioner",
        "automated",
        "outside the uk",
        "processor",
    ]:
        assert item in notice, item


def test_first_name_and_initial_come_from_letters(client, make_pledge, make_signature):
    pledge = make_pledge()
    make_signature("a@example.org", pledge=pledge, name="Siân Llŷr 🌻", display="initial")
    make_signature("b@example.org", pledge=pledge, name="🌻 jo o'brien", display="initial")
    page = client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    names = re.findall(r"<li>([^<]*)</li>", page.split('class="names"')[1].split("</ul>")[0])
    assert sorted(names) == ["Siân L.", "jo O."]
