"""The one path every email takes: render text + HTML templates, build, send.

Messages are built with the standard library's EmailMessage (multipart/alternative,
text first, lines folded and bodies encoded so no line passes 998 octets) and handed to
the SMTP relay over a connection opened by Flask-Mail's configuration. With no
MAIL_SERVER they are written as .eml files to the outbox folder instead.
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_mail import Connection

from campaign.timeutil import utcnow

STREAM_SENDERS = {
    "transactional": "MAIL_DEFAULT_SENDER",
    "alerts": "MAIL_ALERTS_SENDER",
    "campaign": "MAIL_CAMPAIGN_SENDER",
}


class HeaderInjection(ValueError):
    """A value meant for a header contained a line break."""


def _clean(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjection("line break in a header value")
    return value


def site_domain() -> str:
    return urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"


def sender_for(stream: str) -> str:
    config = current_app.config
    return config.get(STREAM_SENDERS[stream]) or config["MAIL_DEFAULT_SENDER"]


@dataclass
class Outgoing:
    """A built message and the envelope sender (bounce address) it goes out with."""

    message: EmailMessage
    envelope_from: str
    recipient: str
    extra: dict[str, str] = field(default_factory=dict)


def build_email(
    template: str,
    *,
    to: str,
    to_name: str = "",
    subject: str,
    stream: str,
    headers: dict[str, str] | None = None,
    **context: object,
) -> Outgoing:
    """Render templates/<template>.txt and .html into a message for one recipient."""
    context.setdefault("org_name", current_app.config["ORG_NAME"])
    context.setdefault("org_address", current_app.config["ORG_POSTAL_ADDRESS"])
    text = render_template(f"{template}.txt", subject=subject, **context)
    html = render_template(f"{template}.html", subject=subject, **context)

    message = EmailMessage()
    message["Subject"] = _clean(subject)
    message["From"] = _clean(sender_for(stream))
    message["To"] = Address(display_name=_clean(to_name), addr_spec=_clean(to))
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=site_domain())
    message["List-Id"] = f"{current_app.config['ORG_NAME']} {stream} <{stream}.{site_domain()}>"
    for name, value in (headers or {}).items():
        message[name] = _clean(value)
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return Outgoing(message, envelope_from=envelope_sender(stream), recipient=to)


def envelope_sender(stream: str, token: str = "") -> str:
    """MAIL FROM: bounce+TOKEN@domain when a bounce address is configured."""
    bounce = current_app.config["MAIL_BOUNCE_ADDRESS"]
    if bounce and token:
        local, _, domain = bounce.partition("@")
        return f"{local}+{token}@{domain}"
    return bounce or parseaddr(sender_for(stream))[1]


class Transport(Protocol):
    def send(self, outgoing: Outgoing) -> None: ...
    def close(self) -> None: ...


class SMTPTransport:
    """One SMTP connection, reused; reconnects every N messages and after a disconnect."""

    def __init__(self) -> None:
        self.host: smtplib.SMTP | None = None
        self.sent_on_connection = 0
        self.reconnect_every = int(current_app.config["MAIL_RECONNECT_EVERY"])

    def _connect(self) -> smtplib.SMTP:
        self.close()
        self.host = Connection(current_app.extensions["mail"]).configure_host()
        self.sent_on_connection = 0
        return self.host

    def send(self, outgoing: Outgoing) -> None:
        host = self.host
        if host is None or self.sent_on_connection >= self.reconnect_every:
            host = self._connect()
        data = outgoing.message.as_bytes(policy=SMTP_POLICY)  # CRLF line ends, as SMTP needs
        try:
            host.sendmail(outgoing.envelope_from, [outgoing.recipient], data)
        except smtplib.SMTPServerDisconnected:
            self._connect().sendmail(outgoing.envelope_from, [outgoing.recipient], data)
        self.sent_on_connection += 1

    def close(self) -> None:
        if self.host is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.host.quit()  # the connection is being discarded either way
            self.host = None


class FolderTransport:
    """Development: write each message to instance/outbox/ as an .eml file."""

    def __init__(self) -> None:
        self.folder = outbox_folder()
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, outgoing: Outgoing) -> None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        msgid = outgoing.message["Message-ID"].strip("<>").split("@")[0]
        path = self.folder / f"{stamp}-{msgid}.eml"
        path.write_bytes(outgoing.message.as_bytes())

    def close(self) -> None:
        pass


def outbox_folder() -> Path:
    configured = current_app.config["OUTBOX_DIR"]
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def open_transport() -> Transport:
    if current_app.config["MAIL_SERVER"]:
        return SMTPTransport()
    return FolderTransport()
