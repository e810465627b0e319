"""Signatures: the filtered list, review of flagged sign-ups, and the CSV export.

Looking at the list reads personal data, so every view of it is audited (AUD-01). It
shows what an organiser needs to judge a sign-up and no more: never the full email
address (only its domain, for flagged ones), never the role.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from campaign.accounts.access import allow, recent_auth_required
from campaign.accounts.roles import ORGANISER
from campaign.admin.blueprint import bp
from campaign.admin.forms import ExportForm, ReviewForm, SignatureFilterForm
from campaign.audit import record
from campaign.extensions import db
from campaign.forms import page_number, valid_data
from campaign.geo import area_name
from campaign.pledges import bots, moderation
from campaign.pledges import queries as pledge_queries
from campaign.pledges.models import Pledge, Sector
from campaign.supporters import export as supporters_export
from campaign.supporters.queries import Audience, count_consenting
from campaign.timeutil import utcnow

PER_PAGE = 100


def _choices(form: Any) -> None:
    pledges = db.session.scalars(db.select(Pledge).order_by(Pledge.sector_id, Pledge.position))
    sectors = db.session.scalars(db.select(Sector).order_by(Sector.position, Sector.name))
    form.pledge.choices = [("", "All pledges")] + [(p.id, p.title) for p in pledges]
    form.sector.choices = [("", "All sectors")] + [(s.id, s.name) for s in sectors]
    if hasattr(form, "area"):
        areas = sorted((area_name(code), code) for code in pledge_queries.areas_with_signatures())
        form.area.choices = [("", "All local authorities")] + [(c, n) for n, c in areas]


def _filter_from(form: SignatureFilterForm, *, status: str = "") -> pledge_queries.SignatureFilter:
    """The list's filter from the fields that validated; the form shows the others."""
    form.validate()
    return pledge_queries.SignatureFilter(
        pledge_id=valid_data(form.pledge),
        sector_id=valid_data(form.sector),
        area_code=valid_data(form.area) or "",
        date_from=valid_data(form.date_from),
        date_to=valid_data(form.date_to),
        status=status if status in pledge_queries.SIGNATURE_STATUSES else "",
    )


@bp.get("/signatures")
@allow(ORGANISER)
def signatures() -> tuple[str, int]:
    form = SignatureFilterForm(request.args)
    _choices(form)
    spec = _filter_from(form, status=form.status.data or "")
    total = pledge_queries.count_matching(spec)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(page_number(request.args.get("page"), per_page=PER_PAGE), pages)
    rows = pledge_queries.page_of_signatures(spec, page=page, per_page=PER_PAGE)
    record(
        actor=current_user,
        action="signatures.view",
        detail={**spec.as_detail(), "page": page, "shown": len(rows)},
    )
    html = render_template(
        "admin/signatures.html",
        form=form,
        review=ReviewForm(formdata=None, **_carry(request.args)),
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        area_name=area_name,
        flag_reason_words=bots.flag_reason_words,
        args={k: v for k, v in request.args.items() if k != "page"},
    )
    # Only now: a commit expires the rows, and the page would then reload each one.
    db.session.commit()
    return html, 200


FILTER_KEYS = ("pledge", "sector", "area", "date_from", "date_to")


def _carry(values: MultiDict[str, str]) -> dict[str, str]:
    """The list's filter, for the review form's hidden filter_* fields."""
    return {f"filter_{key}": values.get(key, "") for key in FILTER_KEYS}


def _carried(values: MultiDict[str, str]) -> MultiDict[str, str]:
    """The filter back from the review form's hidden fields."""
    return MultiDict({key: values.get(f"filter_{key}", "") for key in FILTER_KEYS})


@bp.post("/signatures/review")
@allow(ORGANISER)
def review_signatures() -> BaseResponse | tuple[str, int]:
    """First a dry run that says how many would be touched; then, confirmed, the action."""
    form = ReviewForm()
    carried = _carried(request.form)
    kept: dict[str, Any] = {k: v for k, v in carried.items() if v}
    back = url_for(".signatures", status="flagged", **kept)
    if not form.validate_on_submit():
        flash("Choose what to do with the flagged signatures.", "error")
        return redirect(back, code=303)
    if form.scope.data == "matching":
        spec = _filter_from(SignatureFilterForm(formdata=carried), status="flagged")
        ids = pledge_queries.ids_matching(spec)
        detail: dict[str, Any] = {"filter": spec.as_detail()}
    else:
        chosen = [i for i in form.ids.data or [] if isinstance(i, int)]
        ids = pledge_queries.ids_among(chosen)
        detail = {"ids": chosen}
    if form.confirmed.data != "yes":
        preview = moderation.dry_run(ids)
        form.confirmed.data = "yes"
        return render_template("admin/review_confirm.html", form=form, preview=preview), 200
    if form.action.data == "count":
        done = moderation.count_flagged(actor=current_user, ids=ids, detail=detail)
        message = f"Counted {done} signature{'s' if done != 1 else ''}."
    else:
        done = moderation.discard_flagged(actor=current_user, ids=ids, detail=detail)
        message = f"Discarded {done} signature{'s' if done != 1 else ''}."
    db.session.commit()
    pledge_queries.forget_counts()
    flash(message, "success")
    return redirect(back, code=303)


@bp.route("/export", methods=["GET", "POST"])
@allow(ORGANISER)
@recent_auth_required
def export() -> BaseResponse | tuple[str, int]:
    form = ExportForm()
    _choices(form)
    if not form.validate_on_submit():
        everyone = count_consenting(Audience())
        return render_template("admin/export.html", form=form, rows=everyone), 200
    audience = Audience(pledge_id=form.pledge.data, sector_id=form.sector.data)
    supporters_export.start_export(actor=current_user, audience=audience)
    db.session.commit()
    filename = f"supporters-{utcnow():%Y-%m-%d}.csv"
    lines = supporters_export.csv_lines(audience)
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
