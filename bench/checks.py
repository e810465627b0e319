"""What the bench checks, the only ways it fails: the seeded signatures are counted, every
sign-up answered with the thanks page is written (supporter, signature, consent record,
queued confirmation mail), and confirmations raise the sharded tallies by exactly as
many as they confirm, which reconciling agrees with. Each checked run returns a line
for the report saying what it found."""

from __future__ import annotations

import json
import time

from bench.in_process import LocalApp
from bench.load import Load, collect_sessions, sign_form
from bench.runs import Runner
from bench.serving import SITE_URL, BenchError, http_get, http_post
from campaign.pledges import tallies
from campaign.tokens import make_token

SIGN_WAIT_SECONDS = 4  # the app refuses forms sent under SIGN_FORM_MIN_SECONDS (3) after load


def counted(counts_url: str, expected: int) -> None:
    """/api/v1/counts gives the total of the signatures seeded."""
    total = json.loads(http_get(counts_url)[2])["total"]
    if total != expected:
        raise BenchError(f"/api/v1/counts says {total}, expected {expected}")


def sign_run(
    runner: Runner, local: LocalApp, site: str, page_path: str, *, run_id: str, signatures: int
) -> str:
    """One sign-up checked end to end, then the sign form POSTed under load, then every
    accepted sign-up checked for its rows."""
    page_url = site + page_path
    client = local.app.test_client()  # in process, to count SQL statements
    form = sign_form(client.get(page_path, base_url=SITE_URL).get_data(as_text=True))
    sessions = collect_sessions(page_url, runner.concurrency)
    time.sleep(SIGN_WAIT_SECONDS)  # the signed form timestamps must age past 3 s
    before = int(local.sql("SELECT count(*) FROM signature"))
    # One sign-up first, checked end to end, so a broken form fails loudly here.
    cookie, fields = sessions[0]
    status, headers = http_post(page_url, fields + f"&email=check-{run_id}%40example.net", cookie)
    if status != 303 or not (headers.get("Location") or "").endswith("/thanks"):
        raise BenchError(f"A valid sign-up was answered {status} {headers.get('Location')}")
    if int(local.sql("SELECT count(*) FROM signature")) != before + 1:
        raise BenchError("A valid sign-up was redirected to /thanks but wrote no signature")
    with local.counting_statements() as seen:
        form["email"] = f"count-{run_id}@example.net"
        response = client.post(page_path, data=form, base_url=SITE_URL)
    if response.status_code != 303:
        raise BenchError(f"A valid sign-up in process was answered {response.status_code}")

    load = Load("sign", sessions=sessions, run_id=run_id)
    result = runner.measure(f"POST {page_path} (sign)", page_url, load, signatures, str(len(seen)))

    def written(table: str, where: str = "true") -> int:
        """Rows of `table` belonging to this run's sign-ups."""
        return int(
            local.sql(
                f"SELECT count(*) FROM {table} AS t JOIN supporter AS p "  # noqa: S608 - fixed names
                f"ON p.id = t.supporter_id WHERE p.email LIKE :p AND {where}",
                p=f"bench-{run_id}-%",
            )
        )

    supporters = int(
        local.sql("SELECT count(*) FROM supporter WHERE email LIKE :p", p=f"bench-{run_id}-%")
    )
    rows = written("signature", "t.confirmed_at IS NULL")
    flagged = written("signature", "t.flagged")
    mails = written("delivery", "t.kind = 'confirm_signature' AND t.status = 'queued'")
    consents = written("consent_record")
    late = rows - result.ok
    # Requests in flight when the load stops are finished by the server but not counted
    # by the client: at most one per client.
    if not rows == supporters == mails or not 0 <= late <= runner.concurrency or flagged:
        raise BenchError(
            f"Sign-ups and rows disagree: {result.ok} redirected, {supporters} supporters, "
            f"{rows} signatures, {mails} mails, {flagged} flagged"
        )
    return (
        f"Sign run: {result.ok:,} answers 303 → /thanks; wrote {supporters:,} supporters, "
        f"{rows:,} signatures ({flagged} flagged), {consents:,} consent records and "
        f"{mails:,} queued confirmation mails"
        + (f" ({late} from requests still in flight when the load stopped)." if late else ".")
    )


def confirm_run(
    runner: Runner, local: LocalApp, site: str, page_path: str, *, run_id: str, signatures: int
) -> str:
    """One confirmation checked in process, then the seeded pool's links POSTed under
    load, each once; then the tallies checked against what was confirmed."""
    with local.app.app_context():
        ids = list(
            local.db.session.scalars(
                local.db.text(
                    "SELECT s.id FROM signature AS s JOIN supporter AS p "
                    "ON p.id = s.supporter_id WHERE p.email LIKE :p ORDER BY s.id"
                ),
                {"p": f"pool-{run_id}-%"},
            )
        )
        links = [f"/confirm/{make_token('confirm', i)}" for i in ids]

    def pledge_total() -> int:
        return int(
            local.sql(
                "SELECT coalesce(sum(count), 0) FROM tally WHERE kind = 'total' AND pledge_id = :p",
                p=local.pledge_id,
            )
        )

    client = local.app.test_client()  # in process, to count SQL statements
    before = local.confirmed_signatures()
    with local.counting_statements() as seen:
        # The confirm form is cookieless: the signed link is its proof, no CSRF token.
        response = client.post(links.pop(), base_url=SITE_URL)
    if response.status_code != 200 or local.confirmed_signatures() != before + 1:
        raise BenchError(f"A confirmation in process failed ({response.status_code})")

    tally_before, confirmed_before = pledge_total(), local.confirmed_signatures()
    sessions = collect_sessions(site + page_path, runner.concurrency)
    load = Load("confirm", sessions=sessions, links=links)
    result = runner.measure("POST /confirm/<token>", site, load, signatures, str(len(seen)))
    confirmed = local.confirmed_signatures() - confirmed_before
    added = pledge_total() - tally_before
    with local.app.app_context():
        tallies.reconcile()
        local.db.session.commit()
    exact = pledge_total() - tally_before
    if result.requests > len(links):
        result.notes.append(
            f"only {len(links):,} links: the rest re-confirmed (cheaper) — raise the pool"
        )
    if not confirmed == added == exact:
        raise BenchError(f"Counts drifted: {confirmed} confirmed, tally +{added}, exact {exact}")
    return (
        f"Confirm run: {confirmed:,} signatures confirmed by {result.ok:,} answers; the "
        f"sharded tally rose by {added:,}, and reconciling found {exact:,}."
    )
