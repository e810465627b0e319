"""The one path every email takes: a kind's Draft, rendered from its <template>.txt and
.html, built into a message with everything its stream carries.

Three streams (EMAIL.md): transactional mail a person asked for one by one (confirm,
manage-your-data links, account mail), agreement alerts, and organisers' campaign
mailings. The stream decides the From address, List-Id, Auto-Submitted or Precedence and,
for alerts and campaign mail, List-Unsubscribe with RFC 8058 one-click POST and the
footer with the recipient's unsubscribe and preferences links: a kind of message gets
them all by naming its stream (campaign/deliveries/kinds.py), never by setting them.

Messages are built with the standard library's EmailMessage (multipart/alternative,
text first, lines folded and bodies encoded so no line passes 998 octets) and handed to
the SMTP relay over a connection opened by Flask-Mail's configuration. With no
MAIL_SERVER they are written as .eml files to the outbox folder instead.
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass, field
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime, make_msgid, parseaddr
from html import escape
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from flask import current_app, render_template
from flask_mail import Connection

from campaign.timeutil import utcnow


@dataclass(frozen=True)
class Stream:
    """What every message of one stream carries, whichever kind of message it is."""

    name: str
    sender_setting: str  # the setting that holds its From: address
    headers: dict[str, str] = field(default_factory=dict)
    # What unsubscribing stops, in words. Empty for mail asked for one message at a
    # time: no List-Unsubscribe and no unsubscribe footer.
    unsubscribe_from: str = ""


STREAMS = {
    stream.name: stream
    for stream in (
        Stream(
            "transactional", "MAIL_DEFAULT_SENDER", headers={"Auto-Submitted": "auto-generated"}
        ),
        Stream(
            "alerts",
            "MAIL_ALERTS_SENDER",
            headers={"Auto-Submitted": "auto-generated"},
            unsubscribe_from="agreement alerts",
        ),
        Stream(
            "campaign",
            "MAIL_CAMPAIGN_SENDER",
            headers={"Precedence": "bulk"},
            unsubscribe_from="campaign updates",
        ),
    )
}
STREAM_NAMES = tuple(STREAMS)  # also the database's check on delivery.stream
# The streams a supporter can unsubscribe from: they carry List-Unsubscribe and its footer.
LIST_STREAMS = tuple(name for name, stream in STREAMS.items() if stream.unsubscribe_from)


class LinksHeader(UnstructuredHeader, BaseHeader):
    """List-Unsubscribe as RFC 2369 wants it: `<url>, <url>`, folded only between the
    entries and never encoded. The standard folding at 78 characters would turn a long
    signed link into RFC 2047 encoded words, which mail programs do not read as links."""

    max_count = 1

    def fold(self, *, policy: Any) -> str:
        linesep = policy.linesep
        return f"{self.name}: " + f",{linesep} ".join(str(self).split(", ")) + linesep


HEADER_TYPES = HeaderRegistry()
HEADER_TYPES.map_to_type("list-unsubscribe", LinksHeader)
MESSAGE_POLICY = default.clone(header_factory=HEADER_TYPES)
WIRE_POLICY = SMTP.clone(header_factory=HEADER_TYPES)  # CRLF line ends, as SMTP needs


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
    return config.get(STREAMS[stream].sender_setting) or config["MAIL_DEFAULT_SENDER"]


class Draft:
    """What one message says to one person: its templates (templates/<template>.txt and
    .html, both extending email/layout), subject and the values they show. The stream
    adds the rest. `view_url`: the message on the site, for "view in your browser"."""

    def __init__(
        self,
        template: str,
        *,
        to: str,
        subject: str,
        to_name: str = "",
        view_url: str = "",
        **context: Any,
    ) -> None:
        self.template = template
        self.to = to
        self.to_name = to_name
        self.subject = subject
        self.view_url = view_url
        self.context = context


@dataclass(frozen=True)
class ListLinks:
    """The recipient's own links, in every alert and campaign message."""

    unsubscribe_url: str  # one click, no login (RFC 8058)
    manage_url: str  # their preferences


@dataclass
class Outgoing:
    """A built message and the envelope sender (bounce address) it goes out with."""

    message: EmailMessage
    envelope_from: str
    recipient: str


def build_email(draft: Draft, *, stream: str, links: ListLinks | None = None) -> Outgoing:
    """The message for one recipient, with what its stream carries. Alerts and campaign
    mail need the recipient's `links`; a template that leaves out their footer (it does
    not extend email/layout) is refused rather than sent without an unsubscribe link."""
    rules = STREAMS[stream]
    if stream not in LIST_STREAMS:
        links = None
    elif links is None:
        raise ValueError(f"{stream} mail needs the recipient's unsubscribe link")
    context = {
        **draft.context,
        "subject": draft.subject,
        "org_name": current_app.config["ORG_NAME"],
        "org_address": current_app.config["ORG_POSTAL_ADDRESS"],
        "stream": rules,
        "list_links": links,
        "view_url": draft.view_url,
    }
    text = render_template(f"{draft.template}.txt", **context)
    html = render_template(f"{draft.template}.html", **context)
    if links and (links.unsubscribe_url not in text or escape(links.unsubscribe_url) not in html):
        raise ValueError(f"{draft.template}: no unsubscribe footer (extend email/layout)")

    message = EmailMessage(policy=MESSAGE_POLICY)
    message["Subject"] = _clean(draft.subject)
    message["From"] = _clean(sender_for(stream))
    message["To"] = Address(display_name=_clean(draft.to_name), addr_spec=_clean(draft.to))
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=site_domain())
    message["List-Id"] = f"{current_app.config['ORG_NAME']} {stream} <{stream}.{site_domain()}>"
    for name, value in rules.headers.items():
        message[name] = value
    if links:
        message["List-Unsubscribe"] = _clean(list_unsubscribe(links.unsubscribe_url))
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return Outgoing(message, envelope_from=envelope_sender(stream), recipient=draft.to)


def list_unsubscribe(url: str) -> str:
    """RFC 2369's header: the one-click https address first (RFC 8058), then a mailto for
    mail programs without it. That mail reaches ORG_CONTACT_EMAIL with the same link in
    its body: whoever reads that mailbox opens it and presses the button."""
    contact = current_app.config["ORG_CONTACT_EMAIL"]
    return f"<{url}>, <mailto:{contact}?subject=Unsubscribe&body={quote(url, safe='')}>"


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
        data = outgoing.message.as_bytes(policy=WIRE_POLICY)
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
