from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from campaign.deliveries.tasks import wake_sender
from campaign.extensions import csrf, db
from campaign.forms import LinkButtonForm
from campaign.links import BadLink, bad_link_page
from campaign.pledges import bots, links, queries, services
from campaign.pledges.chart import growth_svg
from campaign.pledges.forms import SignForm
from campaign.pledges.models import Pledge
from campaign.supporters.consent import PLEDGE_CONSENT, UPDATES_CONSENT, alerts_consent

bp = Blueprint("pledges", __name__)
bp.register_error_handler(BadLink, bad_link_page)


def get_pledge_or_404(slug: str) -> Pledge:
    pledge = queries.pledge_by_slug(slug)
    if pledge is None:
        abort(404)
    return pledge


@bp.get("/")
def home() -> str:
    counts = queries.public_counts()
    points = queries.growth()
    return render_template(
        "pledges/home.html",
        counts=counts,
        by_pledge={p["slug"]: p["count"] for p in counts["pledges"]},
        sectors=queries.sectors_with_pledges(),
        areas=queries.top_areas(10),
        chart=growth_svg(points, title="Confirmed signatures over the last 90 days"),
        points=points,
    )


@bp.get("/areas")
def areas() -> str:
    return render_template(
        "pledges/areas.html",
        areas=queries.area_counts(),
        threshold=current_app.config["PUBLIC_COUNT_THRESHOLD"],
    )


def _render_pledge(
    pledge: Pledge, form: SignForm, *, status: int = 200, employer_warning: bool = False
) -> tuple[str, int]:
    if not form.started.data:  # keep the original time across re-displays of the form
        form.started.data = bots.form_timestamp()
    _label_consents(form, pledge)
    return render_template(
        "pledges/pledge.html",
        pledge=pledge,
        form=form,
        count=queries.pledge_count(pledge),
        names=queries.recent_public_names(pledge),
        employer_warning=employer_warning,
    ), status


def _label_consents(form: SignForm, pledge: Pledge) -> None:
    form.consent.label.text = PLEDGE_CONSENT
    form.wants_updates.label.text = UPDATES_CONSENT
    form.wants_alerts.label.text = alerts_consent(pledge.sector.name)


@bp.get("/pledges/<slug>")
def pledge(slug: str) -> tuple[str, int]:
    return _render_pledge(get_pledge_or_404(slug), SignForm())


@bp.post("/pledges/<slug>")
@csrf.exempt  # a cookieless form (SEC-05): its signed timestamp stands in for the token
def sign(slug: str) -> Response | tuple[str, int]:
    pledge = get_pledge_or_404(slug)
    if not pledge.is_open:
        abort(410)
    form = SignForm()
    if not form.validate():
        return _render_pledge(pledge, form, status=422)
    thanks = redirect(url_for("pledges.thanks", slug=pledge.slug), code=303)
    if form.website.data:
        return thanks  # the honeypot: the normal page, and nothing stored or sent (BOT-02)
    timing = bots.check_timing(form.started.data or "")
    if timing is not bots.Timing.OK:
        if timing is bots.Timing.STALE:
            form.started.data = bots.form_timestamp()
        _label_consents(form, pledge)
        return render_template("pledges/one_more_step.html", pledge=pledge, form=form), 200
    email = form.email.data or ""
    if services.is_employer_address(email) and form.employer_ack.data != email:
        form.employer_ack.data = email
        return _render_pledge(pledge, form, employer_warning=True)

    assert form.place is not None
    services.sign(
        pledge=pledge,
        name=form.name.data or "",
        email=email,
        area_code=form.place.area_code,
        role=form.role.data or "",
        display=form.display.data or "none",
        wants_updates=form.wants_updates.data,
        wants_alerts=form.wants_alerts.data,
        flag_reason=bots.rate_limit_flag(email),
    )
    db.session.commit()
    wake_sender()
    return thanks


@bp.get("/pledges/<slug>/thanks")
def thanks(slug: str) -> str:
    pledge = get_pledge_or_404(slug)
    dev_outbox = "dev_outbox.index" in current_app.view_functions
    return render_template("pledges/thanks.html", pledge=pledge, dev_outbox=dev_outbox)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt  # a cookieless form: the signed link it posts to is the proof
def confirm(token: str) -> str:
    """GET shows a button (mail scanners follow links); only the POST confirms."""
    signature = links.signature_from_link(token)
    form = LinkButtonForm()
    if signature.confirmed_at is not None:
        return render_template(
            "pledges/confirmed.html",
            signature=signature,
            count=queries.pledge_count(signature.pledge),
            already=True,
        )
    if not form.validate_on_submit():
        return render_template("pledges/confirm.html", signature=signature, form=form)
    try:
        services.confirm(signature)
        db.session.commit()
    except services.AlreadyConfirmed:
        db.session.rollback()
    return render_template(
        "pledges/confirmed.html",
        signature=signature,
        count=queries.pledge_count(signature.pledge),
        already=False,
    )
