"""Signing in and out, invitations, enrolment, password reset and re-authentication."""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from campaign.accounts import links, services, sessions, throttle, totp
from campaign.accounts.access import home_url, safe_next
from campaign.accounts.forms import (
    AcceptInvitationForm,
    ButtonForm,
    CodeForm,
    EnrolForm,
    LoginForm,
    NewPasswordForm,
    ReauthForm,
    ResetRequestForm,
)
from campaign.accounts.models import User
from campaign.accounts.roles import ROLE_NAMES, has_role
from campaign.audit import record
from campaign.deliveries.tasks import wake_sender
from campaign.extensions import db
from campaign.links import BadLink, bad_link_page

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
bp.register_error_handler(BadLink, bad_link_page)

STEP_SECONDS = 10 * 60  # to enter the code after the password, or to finish enrolling
CODE_TRIES = 3  # wrong codes before the password must be entered again
FAILED = "The email address or password is not right."
THROTTLED = 429


@bp.app_context_processor
def _role_names() -> dict[str, Any]:
    return {"role_names": ROLE_NAMES}


@bp.app_template_global("has_role")
def _has_role(user: Any, role: str) -> bool:
    return bool(user.is_authenticated) and has_role(user, role)


bp.before_request(sessions.note_activity)


def _pending(kind: str) -> tuple[User, dict[str, Any]] | None:
    """The half-finished sign-in or enrolment this browser is in the middle of."""
    state = session.get(kind)
    if not isinstance(state, dict) or time.time() - state.get("at", 0) > STEP_SECONDS:
        session.pop(kind, None)
        return None
    user = db.session.get(User, state.get("uid"))
    if user is None or not user.active:
        session.pop(kind, None)
        return None
    return user, state


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(f"accounts/{template}.html", **context), status


def _throttled_page() -> tuple[str, int]:
    return _page("throttled", THROTTLED)


# --- sign in ---------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        return _page("login", 422 if form.errors else 200, form=form)
    email = form.email.data or ""
    if throttle.is_throttled(email):
        return _throttled_page()
    user = services.check_credentials(email=email, password=form.password.data or "")
    if user is None:
        throttle.record_failure(email)
        db.session.commit()  # the audit row of the failure
        form.password.errors = [FAILED]
        return _page("login", form=form)
    if not user.enrolled and user.pending_totp_secret is None:
        services.begin_enrolment(user)
    db.session.commit()
    session.clear()
    step = "login" if user.enrolled else "enrol"
    session[step] = {"uid": user.id, "at": time.time(), "next": next_url, "tries": 0}
    return redirect(url_for(".login_code" if user.enrolled else ".enrol"), code=303)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Response | tuple[str, int]:
    pending = _pending("login")
    if pending is None:
        flash("Please sign in again.", "info")
        return redirect(url_for(".login"))
    user, state = pending
    form = CodeForm()
    if not form.validate_on_submit():
        return _page("login_code", 422 if form.errors else 200, form=form)
    if throttle.is_throttled(user.email):
        session.pop("login", None)
        return _throttled_page()
    code = form.code.data or ""
    if not services.check_second_factor(user=user, code=code):
        throttle.record_failure(user.email)
        db.session.commit()
        state["tries"] = state.get("tries", 0) + 1
        if state["tries"] >= CODE_TRIES:
            session.pop("login", None)
            flash("That code was not right. Please sign in again.", "info")
            return redirect(url_for(".login"), code=303)
        session["login"] = state
        form.code.errors = ["That code is not right, or it has been used already."]
        return _page("login_code", form=form)
    method = "authenticator" if totp.TOTP_CODE.match(code.replace(" ", "")) else "recovery code"
    sessions.start_session(user)
    services.signed_in(user=user, method=method)
    db.session.commit()
    throttle.clear_account(user.email)
    if method == "recovery code":
        left = totp.recovery_codes_left(user)
        flash(
            f"You signed in with a recovery code. {left} left: set up a new authenticator "
            "or new codes in your account settings.",
            "warning",
        )
    return redirect(safe_next(state.get("next")) or home_url(user), code=303)


@bp.post("/logout")
def logout() -> Response:
    form = ButtonForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        record(actor=current_user, action="logout", target=f"user:{current_user.id}")
        sessions.end_session(current_user)
        db.session.commit()
        flash("You have signed out.", "info")
    return redirect(url_for(".login"), code=303)


# --- enrolment -------------------------------------------------------------------------


def enrolment_page(
    user: User, form: EnrolForm, *, action: str, status: int = 200
) -> tuple[str, int]:
    assert user.pending_totp_secret is not None
    uri = totp.provisioning_uri(user, user.pending_totp_secret)
    return _page(
        "enrol",
        status,
        form=form,
        action=action,
        qr=totp.qr_svg(uri),
        secret=totp.format_secret(user.pending_totp_secret),
        first=not user.enrolled,
    )


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> Response | tuple[str, int]:
    """First sign-in: set up the authenticator, then get recovery codes."""
    pending = _pending("enrol")
    if pending is None or pending[0].enrolled or pending[0].pending_totp_secret is None:
        flash("Please sign in again to set up your authenticator.", "info")
        return redirect(url_for(".login"))
    user, state = pending
    form = EnrolForm()
    if not form.validate_on_submit():
        return enrolment_page(
            user, form, action=url_for(".enrol"), status=422 if form.errors else 200
        )
    codes = services.finish_enrolment(user=user, code=form.code.data or "")
    if codes is None:
        form.code.errors = [
            "That code is not right. Check the app shows this account, and "
            "that your phone's clock is set automatically."
        ]
        return enrolment_page(user, form, action=url_for(".enrol"), status=422)
    sessions.start_session(user)
    services.signed_in(user=user, method="enrolment")
    db.session.commit()
    return _page(
        "recovery_codes", codes=codes, next_url=safe_next(state.get("next")) or home_url(user)
    )


# --- invitations -----------------------------------------------------------------------


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response | tuple[str, int]:
    invitation = links.open_invitation(token)
    form = AcceptInvitationForm()
    if not form.validate_on_submit():
        return _page("invitation", 422 if form.errors else 200, form=form, invitation=invitation)
    try:
        user = services.accept_invitation(
            invitation=invitation, name=form.name.data or "", password=form.password.data or ""
        )
        services.begin_enrolment(user)
    except services.WeakPassword as exc:
        db.session.rollback()
        form.password.errors = [str(exc)]
        return _page("invitation", 422, form=form, invitation=invitation)
    except services.AccountError as exc:
        db.session.rollback()
        raise BadLink(links.INVITATION, "used") from exc
    db.session.commit()
    if current_user.is_authenticated:
        sessions.end_session(current_user)
        db.session.commit()
    session.clear()
    session["enrol"] = {"uid": user.id, "at": time.time(), "next": None}
    return redirect(url_for(".enrol"), code=303)


# --- password reset --------------------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
def request_reset() -> Response | tuple[str, int]:
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return _page("reset_request", 422 if form.errors else 200, form=form)
    email = form.email.data or ""
    if throttle.allow_reset_email(email):
        services.request_password_reset(email=email)
        db.session.commit()
        wake_sender()
    return redirect(url_for(".reset_sent"), code=303)


@bp.get("/reset/sent")
def reset_sent() -> tuple[str, int]:
    return _page("reset_sent")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | tuple[str, int]:
    reset = links.open_reset(token)
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return _page("reset", 422 if form.errors else 200, form=form)
    try:
        services.reset_password(reset=reset, password=form.password.data or "")
    except services.WeakPassword as exc:
        db.session.rollback()
        form.password.errors = [str(exc)]
        return _page("reset", 422, form=form)
    db.session.commit()
    session.clear()
    flash("Your password has been changed. Sign in with it and your authenticator.", "info")
    return redirect(url_for(".login"), code=303)


# --- re-authentication -----------------------------------------------------------------


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
def reauth() -> Response | tuple[str, int]:
    """Password and code again before exports and changes to the account (SEC-14)."""
    form = ReauthForm()
    next_url = safe_next(request.args.get("next")) or url_for("account_settings.index")
    if not form.validate_on_submit():
        return _page("reauth", 422 if form.errors else 200, form=form)
    user: User = current_user._get_current_object()
    if throttle.is_throttled(user.email):
        return _throttled_page()
    if not services.reauthenticate(
        user=user, password=form.password.data or "", code=form.code.data or ""
    ):
        throttle.record_failure(user.email)
        db.session.commit()
        form.password.errors = ["The password or code is not right."]
        return _page("reauth", form=form)
    sessions.mark_reauthenticated(user)
    db.session.commit()
    return redirect(next_url, code=303)
