"""Accounts (admins only): invite, change role, disable or enable, reset a lost
authenticator, see last sign-in."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign.accounts import services
from campaign.accounts.access import allow, get_owned_or_404, recent_auth_required
from campaign.accounts.forms import ButtonForm
from campaign.accounts.models import Invitation, User
from campaign.accounts.roles import ADMIN, ROLE_NAMES
from campaign.admin.blueprint import bp
from campaign.admin.forms import ActiveForm, InviteForm, RoleForm, role_choices
from campaign.deliveries.tasks import wake_sender
from campaign.extensions import db


def _accounts_page(form: InviteForm, status: int = 200) -> tuple[str, int]:
    users = db.session.scalars(db.select(User).order_by(User.active.desc(), User.email))
    invitations = db.session.scalars(
        db.select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())
    )
    return render_template(
        "admin/accounts.html",
        users=list(users),
        invitations=[i for i in invitations if services.invitation_is_open(i)],
        form=form,
        button=ActiveForm(),
        role_names=ROLE_NAMES,
    ), status


@bp.get("/accounts")
@allow(ADMIN)
def accounts() -> tuple[str, int]:
    return _accounts_page(InviteForm())


@bp.post("/accounts/invite")
@allow(ADMIN)
def invite() -> Response | tuple[str, int]:
    form = InviteForm()
    if not form.validate_on_submit():
        return _accounts_page(form, 422)
    invitation = services.invite(actor=current_user, email=form.email.data, role=form.role.data)
    db.session.commit()
    wake_sender()
    # The same answer whether or not the address already has an account (SEC-12).
    flash(f"Invitation sent to {invitation.email}.", "success")
    return redirect(url_for(".accounts"), code=303)


@bp.post("/invitations/<int:invitation_id>/revoke")
@allow(ADMIN)
def revoke_invitation(invitation_id: int) -> Response:
    invitation: Invitation = get_owned_or_404(Invitation, invitation_id, actor=current_user)
    if ActiveForm(active="revoke").validate_on_submit():
        services.revoke_invitation(actor=current_user, invitation=invitation)
        db.session.commit()
        flash(f"Invitation to {invitation.email} withdrawn.", "success")
    return redirect(url_for(".accounts"), code=303)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@allow(ADMIN)
def account(user_id: int) -> Response | tuple[str, int]:
    user: User = get_owned_or_404(User, user_id, actor=current_user)
    form = RoleForm(obj=user)
    form.role.choices = role_choices(user.role)
    if form.validate_on_submit():
        try:
            services.change_role(actor=current_user, user=user, role=form.role.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.role.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"{user.email} is now: {ROLE_NAMES[user.role]}.", "success")
            return redirect(url_for(".accounts"), code=303)
    status = 422 if form.errors else 200
    return render_template(
        "admin/account.html", user=user, form=form, button=ActiveForm(), role_names=ROLE_NAMES
    ), status


@bp.post("/accounts/<int:user_id>/active")
@allow(ADMIN)
def set_account_active(user_id: int) -> Response:
    user: User = get_owned_or_404(User, user_id, actor=current_user)
    form = ActiveForm()
    if form.validate_on_submit() and form.active.data in ("yes", "no"):
        try:
            services.set_active(actor=current_user, user=user, active=form.active.data == "yes")
        except services.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            state = "enabled" if user.active else "disabled, and signed out everywhere"
            flash(f"{user.email} is {state}.", "success")
    return redirect(url_for(".account", user_id=user.id), code=303)


@bp.route("/accounts/<int:user_id>/authenticator", methods=["GET", "POST"])
@allow(ADMIN)
@recent_auth_required
def reset_authenticator(user_id: int) -> Response | tuple[str, int]:
    """GET says what a reset does and asks to confirm; the POST does it. Re-authentication
    first: whoever resets an authenticator lets a password alone into that account until
    its owner sets up a new one (SEC-14)."""
    user: User = get_owned_or_404(User, user_id, actor=current_user)
    form = ButtonForm()
    if not form.validate_on_submit():
        return render_template("admin/reset_authenticator.html", user=user, form=form), 200
    try:
        services.reset_authenticator(actor=current_user, user=user)
    except services.AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            f"{user.email} is signed out everywhere, and their authenticator and recovery "
            "codes no longer work. They set up a new authenticator when they next sign in.",
            "success",
        )
    return redirect(url_for(".account", user_id=user.id), code=303)
