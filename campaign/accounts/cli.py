"""`flask accounts …`: what an operator needs before anyone can sign in."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from campaign.accounts import services
from campaign.email import site_url
from campaign.extensions import db

accounts_cli = AppGroup("accounts", help="Organiser and admin accounts.")


@accounts_cli.command("create-admin")
@click.option("--email", prompt="Email address", envvar="FRONTLINE_ADMIN_EMAIL")
@click.option("--name", prompt="Name", envvar="FRONTLINE_ADMIN_NAME")
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
