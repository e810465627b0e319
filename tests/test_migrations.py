"""Every table comes from the migrations: an empty database upgraded to head matches the
models exactly, on SQLite and on PostgreSQL (STYLE.md rule 8)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from campaign import create_app
from campaign.extensions import db
from tests.conftest import POSTGRES_URL, TEST_SECRET, service_unavailable


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    admin_url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"frontline_migrations_{uuid.uuid4().hex[:8]}"
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        service_unavailable("PostgreSQL")
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_to_head_matches_the_models(empty_database):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": TEST_SECRET, "TESTING": True}
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        # And the way back down works too, leaving only Alembic's bookkeeping.
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names())
        assert tables <= {"alembic_version"}
        db.engine.dispose()
