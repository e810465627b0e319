"""Sectors and pledges. Organisers edit pledges (targets, wording, open or closed);
admins also create pledges and manage sectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign.accounts.roles import ADMIN, ORGANISER
from campaign.admin import content
from campaign.admin.blueprint import allow, bp
from campaign.admin.forms import NewPledgeForm, NewSectorForm, OpenForm, PledgeForm, SectorForm
from campaign.extensions import cache, db
from campaign.pledges import queries as pledge_queries
from campaign.pledges.models import Pledge, Sector


def get_or_404(model: type[Any], object_id: int) -> Any:
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def _sector_choices(form: PledgeForm) -> None:
    sectors = db.session.scalars(db.select(Sector).order_by(Sector.position, Sector.name))
    form.sector_id.choices = [(s.id, s.name) for s in sectors]


def _public_counts_changed() -> None:
    cache.delete_memoized(pledge_queries.public_counts)


def _created(form: Any, create: Callable[[], Any], *, message: str, then: str) -> Response | None:
    """Create from a valid form; a taken address shows on the form. None: show the form."""
    if not form.validate_on_submit():
        return None
    try:
        made = create()
    except content.SlugTaken as exc:
        db.session.rollback()
        form.slug.errors = [str(exc)]
        return None
    db.session.commit()
    _public_counts_changed()
    flash(message.format(made), "success")
    return redirect(url_for(then), code=303)


@bp.get("/pledges")
@allow(ORGANISER)
def pledges() -> str:
    sectors = db.session.scalars(db.select(Sector).order_by(Sector.position, Sector.name))
    return render_template(
        "admin/pledges.html",
        sectors=list(sectors),
        counts=pledge_queries.pledge_counts(),
        open_form=OpenForm(),
    )


@bp.route("/pledges/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_pledge() -> Response | tuple[str, int]:
    form = NewPledgeForm(is_open=True)
    _sector_choices(form)

    def create() -> Pledge:
        return content.create_pledge(
            actor=current_user,
            sector=get_or_404(Sector, form.sector_id.data),
            slug=form.slug.data,
            title=form.title.data,
            statement=form.statement.data,
            target=form.target.data,
            is_open=form.is_open.data,
            position=form.position.data or 0,
        )

    done = _created(form, create, message="Pledge “{0.title}” created.", then=".pledges")
    if done is not None:
        return done
    status = 422 if form.errors else 200
    return render_template("admin/pledge_form.html", form=form, pledge=None), status


@bp.route("/pledges/<int:pledge_id>", methods=["GET", "POST"])
@allow(ORGANISER)
def edit_pledge(pledge_id: int) -> Response | tuple[str, int]:
    pledge: Pledge = get_or_404(Pledge, pledge_id)
    form = PledgeForm(obj=pledge)
    _sector_choices(form)
    if form.validate_on_submit():
        changed = content.update_pledge(
            actor=current_user,
            pledge=pledge,
            sector_id=get_or_404(Sector, form.sector_id.data).id,
            title=form.title.data,
            statement=form.statement.data,
            target=form.target.data,
            is_open=form.is_open.data,
            position=form.position.data or 0,
        )
        db.session.commit()
        _public_counts_changed()
        if "wording_version" in changed:
            flash(f"Saved. The wording is now version {pledge.wording_version}.", "success")
        else:
            flash("Saved." if changed else "Nothing had changed.", "success")
        return redirect(url_for(".pledges"), code=303)
    status = 422 if form.errors else 200
    return render_template(
        "admin/pledge_form.html", form=form, pledge=pledge, wordings=content.wordings(pledge)
    ), status


@bp.post("/pledges/<int:pledge_id>/open")
@allow(ORGANISER)
def set_pledge_open(pledge_id: int) -> Response:
    pledge: Pledge = get_or_404(Pledge, pledge_id)
    form = OpenForm()
    if form.validate_on_submit() and form.is_open.data in ("yes", "no"):
        content.set_open(actor=current_user, pledge=pledge, is_open=form.is_open.data == "yes")
        db.session.commit()
        _public_counts_changed()
        flash(f"“{pledge.title}” is now {'open' if pledge.is_open else 'closed'}.", "success")
    return redirect(url_for(".pledges"), code=303)


@bp.get("/sectors")
@allow(ADMIN)
def sectors() -> str:
    sectors = db.session.scalars(db.select(Sector).order_by(Sector.position, Sector.name))
    return render_template("admin/sectors.html", sectors=list(sectors))


@bp.route("/sectors/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_sector() -> Response | tuple[str, int]:
    form = NewSectorForm()

    def create() -> Sector:
        return content.create_sector(
            actor=current_user,
            slug=form.slug.data,
            name=form.name.data,
            description=form.description.data or "",
            position=form.position.data or 0,
        )

    done = _created(form, create, message="Sector “{0.name}” created.", then=".sectors")
    if done is not None:
        return done
    status = 422 if form.errors else 200
    return render_template("admin/sector_form.html", form=form, sector=None), status


@bp.route("/sectors/<int:sector_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_sector(sector_id: int) -> Response | tuple[str, int]:
    sector: Sector = get_or_404(Sector, sector_id)
    form = SectorForm(obj=sector)
    if form.validate_on_submit():
        changed = content.update_sector(
            actor=current_user,
            sector=sector,
            name=form.name.data,
            description=form.description.data or "",
            position=form.position.data or 0,
        )
        db.session.commit()
        _public_counts_changed()
        flash("Saved." if changed else "Nothing had changed.", "success")
        return redirect(url_for(".sectors"), code=303)
    status = 422 if form.errors else 200
    return render_template("admin/sector_form.html", form=form, sector=sector), status
