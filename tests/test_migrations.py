"""Every table comes from the migrations: an empty database upgraded to head matches the
models exactly, on SQLite and on PostgreSQL (STYLE.md rule 8)."""

from __future__ import annotations

import re

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


def values_in(sql):
    """The quoted values a CHECK constraint's SQL names ("status IN ('queued', …)"), however
    the database has rewritten it (PostgreSQL: "… = ANY (ARRAY['queued'::character …"))."""
    return set(re.findall(r"'([^']*)'", str(sql)))


def test_upgrade_to_head_has_every_check_constraint_of_the_models(empty_database):
    """Alembic's comparison does not look at CHECK constraints: the enums' sets written in
    the migrations must be the models' tuples."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": TEST_SECRET, "TESTING": True}
    )
    with app.app_context():
        upgrade()
        dialect = db.engine.dialect
        models = {
            (table.name, check.name): values_in(
                check.sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            )
            for table in db.metadata.sorted_tables
            for check in table.constraints
            if isinstance(check, sa.CheckConstraint)
        }
        inspector = sa.inspect(db.engine)
        database = {
            (table, check["name"]): values_in(check["sqltext"])
            for table in db.metadata.tables
            for check in inspector.get_check_constraints(table)
        }
        assert len(models) == 11
        assert database == models
        db.engine.dispose()


def test_rebuilding_a_table_on_upgrade_keeps_the_rows_that_refer_to_it(empty_database):
    """SQLite rebuilds a table to add a constraint; with foreign keys enforced, dropping
    the old signature table deleted every consent record of it (ON DELETE CASCADE)."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": TEST_SECRET, "TESTING": True}
    )
    rows = [
        "INSERT INTO sector (id, slug, name, description, position) VALUES (1, 'h', 'H', '', 0)",
        "INSERT INTO pledge (id, slug, sector_id, title, statement, target, is_open,"
        " wording_version, position, created_at)"
        " VALUES (1, 'p', 1, 'T', 'S', 10, true, 1, 0, '2026-01-01')",
        "INSERT INTO supporter (id, email, email_hash, name, wants_updates, created_at,"
        " last_active_at) VALUES (1, 'a@example.org', 'h', 'A', false, '2026-01-01', '2026-01-01')",
        "INSERT INTO signature (id, pledge_id, supporter_id, name, display, role, area_code,"
        " wording_version, wants_updates, wants_alerts, flagged, flag_reason, created_at)"
        " VALUES (1, 1, 1, 'A', 'none', '', 'E09000033', 1, false, false, false, '', '2026-01-01')",
        "INSERT INTO consent_record (id, supporter_id, signature_id, purpose, granted,"
        " wording_version, text_hash, channel, at)"
        " VALUES (1, 1, 1, 'pledge:p', true, 'v1', 'h', 'sign form', '2026-01-01')",
    ]
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            for row in rows:
                conn.execute(sa.text(row))
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM consent_record")).scalar() == 1
            if db.engine.dialect.name == "sqlite":  # enforced again afterwards
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
