"""A signed-in person's own account: password, email, authenticator, recovery codes.
Every change needs a recent password + code (SEC-14)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Field

from campaign.accounts import services, sessions, totp
from campaign.accounts.access import allow, protect, recent_auth_required
from campaign.accounts.forms import ButtonForm, ChangeEmailForm, EnrolForm, NewPasswordForm
from campaign.accounts.models import User
from campaign.accounts.roles import COORDINATOR
from campaign.accounts.views import enrolment_page
from campaign.extensions import db

bp = Blueprint("account_settings", __name__, url_prefix="/accounts/settings")
protect(bp)  # every account may use its own settings: each view allows the lowest role


def _me() -> User:
    return current_user._get_current_object()


@bp.get("/")
@allow(COORDINATOR)
def index() -> str:
    return render_template(
        "accounts/settings.html",
        codes_left=totp.recovery_codes_left(_me()),
        form=ButtonForm(),
    )


def _change(
    form: FlaskForm, field: Field, *, what: str, apply: Callable[[], None], done: str
) -> Response | tuple[str, int]:
    """Validate, apply the change (a refusal shows on `field`), commit, say so."""
    if form.validate_on_submit():
        try:
            apply()
        except services.AccountError as exc:
            db.session.rollback()
            field.errors = [str(exc)]
        else:
            db.session.commit()
            flash(done, "info")
            return redirect(url_for(".index"), code=303)
    status = 422 if form.errors else 200
    return render_template("accounts/change.html", form=form, what=what), status


@bp.route("/password", methods=["GET", "POST"])
@allow(COORDINATOR)
@recent_auth_required
def password() -> Response | tuple[str, int]:
    form = NewPasswordForm()

    def apply() -> None:
        services.set_password(
            actor=_me(), user=_me(), password=form.password.data or "", via="settings"
        )
        sessions.end_all_sessions(_me(), except_current=True)

    return _change(
        form,
        form.password,
        what="password",
        apply=apply,
        done="Your password has been changed. Your other sessions have been signed out.",
    )


@bp.route("/email", methods=["GET", "POST"])
@allow(COORDINATOR)
@recent_auth_required
def email() -> Response | tuple[str, int]:
    form = ChangeEmailForm()
    return _change(
        form,
        form.email,
        what="email",
        apply=lambda: services.change_email(actor=_me(), new_email=form.email.data or ""),
        done="Your email address has been changed. Sign in with the new one from now on.",
    )


@bp.route("/authenticator", methods=["GET", "POST"])
@allow(COORDINATOR)
@recent_auth_required
def authenticator() -> Response | tuple[str, int]:
    """GET explains; the POST makes a new secret and shows it to be confirmed."""
    form = ButtonForm()
    if form.validate_on_submit():
        services.begin_enrolment(_me())
        db.session.commit()
        return redirect(url_for(".confirm_authenticator"), code=303)
    return render_template("accounts/authenticator.html", form=form), 200


@bp.route("/authenticator/confirm", methods=["GET", "POST"])
@allow(COORDINATOR)
@recent_auth_required
def confirm_authenticator() -> Response | tuple[str, int]:
    user = _me()
    if user.pending_totp_secret is None:
        return redirect(url_for(".authenticator"))
    form = EnrolForm()
    action = url_for(".confirm_authenticator")
    if not form.validate_on_submit():
        return enrolment_page(user, form, action=action, status=422 if form.errors else 200)
    codes = services.finish_enrolment(user=user, code=form.code.data or "")
    if codes is None:
        form.code.errors = ["That code is not right. Check the app shows the new entry."]
        return enrolment_page(user, form, action=action, status=422)
    db.session.commit()
    return render_template(
        "accounts/recovery_codes.html", codes=codes, next_url=url_for(".index")
    ), 200


@bp.post("/recovery-codes")
@allow(COORDINATOR)
@recent_auth_required
def recovery_codes() -> Response | tuple[str, int]:
    form = ButtonForm()
    if not form.validate_on_submit():
        return redirect(url_for(".index"), code=303)
    codes = services.new_recovery_codes(actor=_me())
    db.session.commit()
    return render_template(
        "accounts/recovery_codes.html", codes=codes, next_url=url_for(".index")
    ), 200
