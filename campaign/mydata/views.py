from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from campaign.deliveries.tasks import wake_sender
from campaign.email import STREAMS
from campaign.extensions import csrf, db, limiter
from campaign.forms import LinkButtonForm
from campaign.links import BadLink, bad_link_page
from campaign.mydata.export import export_csv, export_data
from campaign.mydata.forms import RequestLinkForm, preferences_form
from campaign.mydata.services import request_manage_link
from campaign.pledges.models import Sector
from campaign.security import allow_cross_site
from campaign.supporters import services
from campaign.supporters.links import (
    read_unsubscribe_link,
    supporter_from_manage_link,
    supporter_from_stay_link,
)

bp = Blueprint("mydata", __name__)
bp.register_error_handler(BadLink, bad_link_page)


# The pages of this blueprint set no cookie (SEC-05): their forms are CookielessForms,
# proven by a signed form token or by the signed link they post to.


@bp.route("/my-data", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@csrf.exempt
def request_link() -> str | BaseResponse:
    form = RequestLinkForm()
    if form.validate_on_submit():
        request_manage_link(email=form.email.data or "")
        db.session.commit()
        wake_sender()
        return redirect(url_for("mydata.link_sent"), code=303)
    return render_template("mydata/request_link.html", form=form)


@bp.get("/my-data/sent")
def link_sent() -> str:
    dev_outbox = "dev_outbox.index" in current_app.view_functions
    return render_template("mydata/link_sent.html", dev_outbox=dev_outbox)


def _sectors() -> list[Sector]:
    return list(db.session.scalars(db.select(Sector).order_by(Sector.position, Sector.name)))


@bp.route("/my-data/<token>", methods=["GET", "POST"])
@csrf.exempt
def manage(token: str) -> str | BaseResponse:
    supporter = supporter_from_manage_link(token)
    signatures = services.signatures_of(supporter)
    current = {
        "wants_updates": supporter.wants_updates,
        "alert_sectors": [s.sector_id for s in supporter.alert_subscriptions],
        "frequency": next((s.frequency for s in supporter.alert_subscriptions), "immediate"),
        **{f"display_{s.id}": s.display for s in signatures},
    }
    form = preferences_form(sectors=_sectors(), signatures=signatures, data=current)
    if form.validate_on_submit():
        changed = services.update_preferences(
            supporter=supporter,
            wants_updates=form.wants_updates.data,
            alert_sector_ids=set(form.alert_sectors.data or []),
            frequency=form.frequency.data or "immediate",
            display={s.id: form[f"display_{s.id}"].data for s in signatures},
        )
        db.session.commit()
        saved = "changed" if changed else "unchanged"
        return redirect(url_for("mydata.manage", token=token, saved=saved), code=303)
    return render_template(
        "mydata/manage.html",
        supporter=supporter,
        signatures=signatures,
        form=form,
        token=token,
        saved=request.args.get("saved") if request.method == "GET" else None,
    )


def _download(body: str, *, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/my-data/<token>/frontline-data.json")
def export_json(token: str) -> Response:
    data = export_data(supporter_from_manage_link(token))
    return _download(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        filename="frontline-data.json",
    )


@bp.get("/my-data/<token>/frontline-data.csv")
def export_csv_file(token: str) -> Response:
    data = export_data(supporter_from_manage_link(token))
    return _download(export_csv(data), mimetype="text/csv", filename="frontline-data.csv")


@bp.route("/my-data/<token>/erase", methods=["GET", "POST"])
@csrf.exempt
def erase(token: str) -> str:
    supporter = supporter_from_manage_link(token)
    form = LinkButtonForm()
    if form.validate_on_submit():
        services.erase(supporter=supporter)
        db.session.commit()
        return render_template("mydata/erased.html")
    return render_template("mydata/erase.html", supporter=supporter, form=form, token=token)


@bp.route("/my-data/stay/<token>", methods=["GET", "POST"])
@csrf.exempt
def stay(token: str) -> str:
    """The answer to "do you want to stay?": GET shows the button, POST keeps them."""
    supporter = supporter_from_stay_link(token)
    form = LinkButtonForm()
    if form.validate_on_submit():
        services.keep_on_list(supporter=supporter)
        db.session.commit()
        return render_template("mydata/stayed.html")
    return render_template("mydata/stay.html", form=form, token=token)


@bp.route("/u/<token>", methods=["GET", "POST"])
@csrf.exempt  # one-click unsubscribe from mail clients (RFC 8058): the signed token suffices
@allow_cross_site  # … and they post it from their own servers or webmail pages
def unsubscribe(token: str) -> str:
    """GET shows a button (mail scanners open links); POST unsubscribes, idempotently."""
    supporter, stream = read_unsubscribe_link(token)
    what = STREAMS[stream].unsubscribe_from
    form = LinkButtonForm()
    if not form.validate_on_submit():
        return render_template("mydata/unsubscribe.html", stream=what, form=form, token=token)
    if supporter is not None:
        services.unsubscribe(supporter=supporter, stream=stream)
        db.session.commit()
    return render_template("mydata/unsubscribed.html", stream=what)
