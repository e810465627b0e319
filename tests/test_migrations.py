"""Every table comes from the migrations: an empty database upgraded to head matches the
models exactly, on SQLite and on PostgreSQL (STYLE.md rule 8)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from campaign import create_app
from campaign.extensions import db
from tests.conftest import TEST_SECRET, fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    with fresh_postgres_database("frontline_migrations") as url:
        yield url


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
