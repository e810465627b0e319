"""`flask accounts …`: what an operator needs before anyone can sign in."""

from __future__ import annotations

from collections.abc import Callable

import click
from click.core import ParameterSource
from flask.cli import AppGroup
from werkzeug.datastructures import MultiDict
from wtforms import Form

from campaign.accounts import services
from campaign.extensions import db
from campaign.forms import email_field, text_field
from campaign.links import site_url

accounts_cli = AppGroup("accounts", help="Organiser and admin accounts.")

REQUIRED = {"email": "Enter an email address.", "name": "Enter a name."}


class AdminDetails(Form):
    """The shared form fields (as on the sign-in and invitation forms), so the command
    line cannot create an account whose address the sign-in form would refuse."""

    email = email_field(required=REQUIRED["email"])
    name = text_field("Name", 100, required=REQUIRED["name"])


def checked(name: str) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """A click callback that validates one AdminDetails field and returns its cleaned
    value. Its BadParameter makes click ask again at a prompt, and refuse (exit 2, naming
    the option or environment variable) a value given any other way."""

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        form = AdminDetails(MultiDict({name: value}))
        field = form[name]
        if not field.validate(form):  # trimmed first: only spaces is as empty as nothing
            from_environment = ctx.get_parameter_source(name) == ParameterSource.ENVIRONMENT
            hint = repr(param.envvar) if from_environment else None
            raise click.BadParameter(field.errors[0], ctx=ctx, param=param, param_hint=hint)
        return str(field.data)

    return check


@accounts_cli.command("create-admin")
@click.option(
    "--email", prompt="Email address", envvar="FRONTLINE_ADMIN_EMAIL", callback=checked("email")
)
@click.option("--name", prompt="Name", envvar="FRONTLINE_ADMIN_NAME", callback=checked("name"))
@click.option(
    "--password",
    prompt="Password (15+ characters; a passphrase is best)",
    hide_input=True,
    confirmation_prompt=True,
    envvar="FRONTLINE_ADMIN_PASSWORD",
    help="Better given at the prompt or in FRONTLINE_ADMIN_PASSWORD than on the command line.",
)
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an admin account. They set up their authenticator at first sign-in."""
    try:
        user = services.create_admin(actor=None, email=email, name=name, password=password)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    login = site_url("accounts.login")
    click.echo(f"Admin account created for {user.email}.")
    click.echo("To finish enrolment:")
    click.echo(f"  1. Open {login} and sign in with this email address and password.")
    click.echo("  2. Scan the QR code with an authenticator app (or type the secret shown),")
    click.echo("     and enter the 6-digit code it shows.")
    click.echo("  3. Keep the recovery codes you are then given somewhere safe and offline.")
