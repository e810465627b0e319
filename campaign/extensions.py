"""Extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from flask import current_app, request
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase, registry

from campaign.timeutil import UTCDateTime


class Base(DeclarativeBase):
    registry = registry(
        # Named constraints, so Alembic can alter them on SQLite (batch mode) and PostgreSQL.
        metadata=MetaData(
            naming_convention={
                "ix": "ix_%(column_0_label)s",
                "uq": "uq_%(table_name)s_%(column_0_N_name)s",
                "ck": "ck_%(table_name)s_%(constraint_name)s",
                "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
                "pk": "pk_%(table_name)s",
            }
        ),
        # Every Mapped[datetime] column is timezone-aware UTC (STYLE.md rule 7).
        type_annotation_map={datetime: UTCDateTime},
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys, and let the site and the worker share the file."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (session.execute types it as Result)."""
    return int(cast("CursorResult[Any]", result).rowcount or 0)


def dialect_insert(model: Any) -> Any:
    """INSERT with ON CONFLICT support, for whichever database is in use."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def hashed_ip() -> str:
    """A keyed hash of the client's IP: enough to rate-limit, useless to identify (PRIV-09)."""
    key = current_app.config["SECRET_KEY"].encode()
    ip = (request.remote_addr or "unknown").encode()
    return hmac.new(key, b"ip:" + ip, hashlib.sha256).hexdigest()[:32]


db = SQLAlchemy(model_class=Base)
# Models subclass `Model`: Flask-SQLAlchemy's db.Model, typed as our Base for mypy.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
mail = Mail()
cache = Cache()
limiter = Limiter(key_func=hashed_ip, default_limits=[])
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.login_message_category = "info"
# Sessions are checked against the database instead (campaign/accounts/sessions.py);
# Flask-Login's own protection would also write to the cookie on public pages (SEC-05).
login_manager.session_protection = None
