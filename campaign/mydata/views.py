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
from campaign.extensions import csrf, db, limiter
from campaign.mydata.export import export_csv, export_data
from campaign.mydata.forms import LinkButtonForm, RequestLinkForm, preferences_form
from campaign.mydata.services import request_manage_link
from campaign.pledges.models import Sector
from campaign.security import allow_cross_site
from campaign.supporters import services
from campaign.supporters.models import Supporter
from campaign.tokens import BadToken, ExpiredToken, read_token

bp = Blueprint("mydata", __name__)


class LinkProblem(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


@bp.errorhandler(LinkProblem)
def link_problem(error: LinkProblem) -> tuple[str, int]:
    status = 410 if error.reason == "expired" else 404
    return render_template("mydata/link_problem.html", reason=error.reason), status


def get_supporter_or_404(token: str) -> Supporter:
    """The supporter an emailed manage link names; a clear page if it can't be used."""
    try:
        supporter_id = read_token(
            "manage", token, max_age=current_app.config["MANAGE_LINK_MAX_AGE"]
        )
    except ExpiredToken as exc:
        raise LinkProblem("expired") from exc
    except BadToken as exc:
        raise LinkProblem("invalid") from exc
    supporter = db.session.get(Supporter, supporter_id) if isinstance(supporter_id, int) else None
    if supporter is None:
        raise LinkProblem("gone")
    return supporter


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
    supporter = get_supporter_or_404(token)
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
    data = export_data(get_supporter_or_404(token))
    return _download(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        filename="frontline-data.json",
    )


@bp.get("/my-data/<token>/frontline-data.csv")
def export_csv_file(token: str) -> Response:
    data = export_data(get_supporter_or_404(token))
    return _download(export_csv(data), mimetype="text/csv", filename="frontline-data.csv")


@bp.route("/my-data/<token>/erase", methods=["GET", "POST"])
@csrf.exempt
def erase(token: str) -> str:
    supporter = get_supporter_or_404(token)
    form = LinkButtonForm()
    if form.validate_on_submit():
        services.erase(supporter=supporter)
        db.session.commit()
        return render_template("mydata/erased.html")
    return render_template("mydata/erase.html", supporter=supporter, form=form, token=token)


@bp.route("/my-data/stay/<token>", methods=["GET", "POST"])
@csrf.exempt
def stay(token: str) -> str | tuple[str, int]:
    """The answer to "do you want to stay?": GET shows the button, POST keeps them."""
    grace = current_app.config["RECONFIRM_GRACE_DAYS"] + 1
    try:
        supporter_id = read_token("stay", token, max_age=grace * 86400)
    except ExpiredToken:
        return render_template("mydata/link_problem.html", reason="expired"), 410
    except BadToken:
        return render_template("mydata/link_problem.html", reason="invalid"), 404
    supporter = db.session.get(Supporter, supporter_id) if isinstance(supporter_id, int) else None
    if supporter is None:
        return render_template("mydata/link_problem.html", reason="gone"), 404
    form = LinkButtonForm()
    if form.validate_on_submit():
        services.keep_on_list(supporter=supporter)
        db.session.commit()
        return render_template("mydata/stayed.html")
    return render_template("mydata/stay.html", form=form, token=token)


STREAM_NAMES = {"campaign": "campaign updates", "alerts": "agreement alerts"}


@bp.route("/u/<token>", methods=["GET", "POST"])
@csrf.exempt  # one-click unsubscribe from mail clients (RFC 8058): the signed token suffices
@allow_cross_site  # … and they post it from their own servers or webmail pages
def unsubscribe(token: str) -> tuple[str, int] | str:
    """GET shows a button (mail scanners open links); POST unsubscribes, idempotently."""
    try:
        supporter_id, stream = read_token("unsubscribe", token)
    except (BadToken, TypeError, ValueError):
        return render_template("mydata/link_problem.html", reason="invalid"), 404
    if stream not in STREAM_NAMES:
        return render_template("mydata/link_problem.html", reason="invalid"), 404
    supporter = db.session.get(Supporter, supporter_id)
    if request.method == "GET":
        return render_template("mydata/unsubscribe.html", stream=STREAM_NAMES[stream], token=token)
    if supporter is not None:
        services.unsubscribe(supporter=supporter, stream=stream)
        db.session.commit()
    return render_template("mydata/unsubscribed.html", stream=STREAM_NAMES[stream])
