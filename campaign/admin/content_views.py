"""Sectors and pledges. Organisers edit pledges (targets, wording, open or closed);
admins also create pledges and manage sectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign.accounts.access import allow, get_owned_or_404
from campaign.accounts.roles import ADMIN, ORGANISER
from campaign.admin.blueprint import bp
from campaign.admin.forms import NewPledgeForm, NewSectorForm, OpenForm, PledgeForm, SectorForm
from campaign.extensions import db
from campaign.pledges import queries as pledge_queries
from campaign.pledges import services
from campaign.pledges.models import Pledge, Sector


def _sector_choices(form: PledgeForm) -> None:
    sectors = db.session.scalars(db.select(Sector).order_by(Sector.position, Sector.name))
    form.sector_id.choices = [(s.id, s.name) for s in sectors]


def _saved(message: str, *, then: str) -> Response:
    """Commit, let the public pages show the change at once, say so, go back to the list."""
    db.session.commit()
    pledge_queries.forget_counts()
    flash(message, "success")
    return redirect(url_for(then), code=303)


def _form_page(
    template: str, form: Any, *, status: int | None = None, **context: Any
) -> tuple[str, int]:
    page = render_template(template, form=form, **context)
    return page, status or (422 if form.errors else 200)


def _created(form: Any, create: Callable[[], Any], *, message: str, then: str) -> Response | None:
    """Create from a valid form; a taken address shows on the form. None: show the form."""
    if not form.validate_on_submit():
        return None
    try:
        made = create()
    except services.SlugTaken as exc:
        db.session.rollback()
        form.slug.errors = [str(exc)]
        return None
    return _saved(message.format(made), then=then)


@bp.get("/pledges")
@allow(ORGANISER)
def pledges() -> str:
    return render_template(
        "admin/pledges.html",
        sectors=pledge_queries.sectors_with_pledges(),
        counts=pledge_queries.pledge_counts(),
        open_form=OpenForm(),
    )


@bp.route("/pledges/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_pledge() -> Response | tuple[str, int]:
    form = NewPledgeForm(is_open=True)
    _sector_choices(form)

    def create() -> Pledge:
        return services.create_pledge(
            actor=current_user,
            sector=get_owned_or_404(Sector, form.sector_id.data, actor=current_user),
            slug=form.slug.data,
            title=form.title.data,
            statement=form.statement.data,
            target=form.target.data,
            is_open=form.is_open.data,
            position=form.position.data or 0,
        )

    done = _created(form, create, message="Pledge “{0.title}” created.", then=".pledges")
    return done or _form_page("admin/pledge_form.html", form, pledge=None)


@bp.route("/pledges/<int:pledge_id>", methods=["GET", "POST"])
@allow(ORGANISER)
def edit_pledge(pledge_id: int) -> Response | tuple[str, int]:
    # Held while a change is saved: a second save at the same moment waits, then builds
    # on this one's wording version (PostgreSQL; services.WordingChanged covers SQLite).
    pledge: Pledge = get_owned_or_404(
        Pledge, pledge_id, actor=current_user, lock=request.method == "POST"
    )
    form = PledgeForm(obj=pledge)
    _sector_choices(form)
    status = None
    if form.validate_on_submit():
        try:
            changed = services.edit_pledge(
                actor=current_user,
                pledge=pledge,
                sector_id=get_owned_or_404(Sector, form.sector_id.data, actor=current_user).id,
                title=form.title.data,
                statement=form.statement.data,
                target=form.target.data,
                is_open=form.is_open.data,
                position=form.position.data or 0,
            )
        except services.WordingChanged as exc:
            db.session.rollback()
            form.statement.errors = [str(exc)]
            status = 409
        else:
            if "wording_version" in changed:
                message = f"Saved. The wording is now version {pledge.wording_version}."
            else:
                message = "Saved." if changed else "Nothing had changed."
            return _saved(message, then=".pledges")
    return _form_page(
        "admin/pledge_form.html",
        form,
        status=status,
        pledge=pledge,
        wordings=pledge_queries.wordings(pledge),
    )


@bp.post("/pledges/<int:pledge_id>/open")
@allow(ORGANISER)
def set_pledge_open(pledge_id: int) -> Response:
    pledge: Pledge = get_owned_or_404(Pledge, pledge_id, actor=current_user)
    form = OpenForm()
    if not (form.validate_on_submit() and form.is_open.data in ("yes", "no")):
        return redirect(url_for(".pledges"), code=303)
    services.edit_pledge(actor=current_user, pledge=pledge, is_open=form.is_open.data == "yes")
    state = "open" if pledge.is_open else "closed"
    return _saved(f"“{pledge.title}” is now {state}.", then=".pledges")


@bp.get("/sectors")
@allow(ADMIN)
def sectors() -> str:
    return render_template("admin/sectors.html", sectors=pledge_queries.sectors_with_pledges())


@bp.route("/sectors/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_sector() -> Response | tuple[str, int]:
    form = NewSectorForm()

    def create() -> Sector:
        return services.create_sector(
            actor=current_user,
            slug=form.slug.data,
            name=form.name.data,
            description=form.description.data or "",
            position=form.position.data or 0,
        )

    done = _created(form, create, message="Sector “{0.name}” created.", then=".sectors")
    return done or _form_page("admin/sector_form.html", form, sector=None)


@bp.route("/sectors/<int:sector_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_sector(sector_id: int) -> Response | tuple[str, int]:
    sector: Sector = get_owned_or_404(Sector, sector_id, actor=current_user)
    form = SectorForm(obj=sector)
    if form.validate_on_submit():
        changed = services.edit_sector(
            actor=current_user,
            sector=sector,
            name=form.name.data,
            description=form.description.data or "",
            position=form.position.data or 0,
        )
        return _saved("Saved." if changed else "Nothing had changed.", then=".sectors")
    return _form_page("admin/sector_form.html", form, sector=sector)
