"""The bench database: created with Frontline's own migrations, demo campaign and postcode
lookup, seeded with signatures by set-based SQL, and dropped at the end."""

from __future__ import annotations

import secrets
import time
from typing import Any

import psycopg
from sqlalchemy import DateTime, text
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from bench.in_process import LocalApp
from bench.load import POSTCODE
from bench.serving import PG_ADMIN_URL, BenchError, flask, say
from campaign.deliveries.kinds import KINDS
from campaign.extensions import rows_affected
from campaign.geo import all_areas, find_place
from campaign.pledges import tallies

FIRST_NAMES = "Amira Ben Chloe Dev Ewa Femi Grace Hamza Isla Jamal Kasia Leon Maya Nikhil Olu Priya"
LAST_NAMES = "Ahmed Brown Chen Davies Evans Farah Green Hughes Iqbal Jones Khan Lewis Murphy Nowak"


def create_database(database: str, env: dict[str, str]) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    say(f"Created database {database}")
    flask(env, "db", "upgrade")
    flask(env, "demo")
    flask(env, "geo", "build")  # a no-op when the lookup file is there


def drop_database(database: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    say(f"Dropped database {database}")


def seed(local: LocalApp, *, run_id: str, signatures: int, pool: int) -> float:
    """`signatures` confirmed sign-ups over the pledges, areas and the last 120 days
    (skewed, as real ones are), plus `pool` unconfirmed ones on the bench pledge for
    the confirm run; with their supporters, consent records and confirmation mails.
    Then reconciles the tallies, and returns how many seconds that took."""
    db = local.db
    started = time.perf_counter()
    with local.app.app_context():
        areas = list(all_areas())
        home_area = find_place(POSTCODE).area_code
        pledge_ids = list(db.session.scalars(db.text("SELECT id FROM pledge ORDER BY random()")))
    rng = secrets.SystemRandom()
    rng.shuffle(areas)  # which areas get the most is random; that some do is not
    first, last = FIRST_NAMES.split(), LAST_NAMES.split()
    name = (
        "(CAST(:first AS text[]))[1 + floor(random() * :nfirst)::int] || ' ' || "
        "(CAST(:last AS text[]))[1 + floor(random() * :nlast)::int]"
    )
    names = {"first": first, "nfirst": len(first), "last": last, "nlast": len(last)}
    for prefix, n, ago in (("seed", signatures, "120 days"), ("pool", pool, "1 day")):
        insert_rows(
            local,
            "supporter",
            {
                "email": f"'{prefix}-{run_id}-' || g.i || '@example.net'",
                "email_hash": f"md5('{prefix}a' || g.i) || md5('{prefix}b' || g.i)",
                "name": name,
                "wants_updates": "g.i % 3 = 0",
                "created_at": "g.at",
                "confirmed_at": "g.at + interval '7 minutes'" if prefix == "seed" else "NULL",
                "last_active_at": "g.at",
            },
            "FROM (SELECT i, now() - power(random(), 2) * CAST(:ago AS interval) AS at "
            "FROM generate_series(1, :n) AS i) AS g",
            n=n,
            ago=ago,
            **names,
        )
    seeded = insert_rows(
        local,
        "signature",
        {
            "pledge_id": "p.id",
            "supporter_id": "s.id",
            "name": "s.name",
            "display": "CASE WHEN s.r < 0.6 THEN 'none' WHEN s.r < 0.85 THEN 'initial' "
            "ELSE 'full' END",
            "role": "''",
            "area_code": "CASE WHEN s.pool THEN :home ELSE "
            "(CAST(:areas AS text[]))[1 + floor(power(random(), 3) * :nareas)::int] END",
            "wording_version": "p.wording_version",
            "wants_updates": "s.wants_updates",
            "wants_alerts": "s.r < 0.3",
            "flagged": "false",
            "flag_reason": "''",
            "created_at": "s.created_at",
            "confirmed_at": "s.confirmed_at",
        },
        "FROM (SELECT supporter.*, random() AS r, email LIKE 'pool-%' AS pool, "
        "  CASE WHEN email LIKE 'pool-%' THEN :pledge ELSE "
        "  (CAST(:pledges AS int[]))[1 + floor(power(random(), 1.5) * :npledges)::int] END"
        "  AS pick FROM supporter WHERE email LIKE 'seed-%' OR email LIKE 'pool-%') AS s "
        "JOIN pledge AS p ON p.id = s.pick",
        areas=areas,
        nareas=len(areas),
        home=home_area,
        pledge=local.pledge_id,
        pledges=pledge_ids,
        npledges=len(pledge_ids),
    )
    width = getattr(db.metadata.tables["consent_record"].c.wording_version.type, "length", 0) or 40
    insert_rows(
        local,
        "consent_record",
        {
            "supporter_id": "s.supporter_id",
            "purpose": "'pledge:' || p.slug",
            "granted": "true",
            "wording_version": f"left('consent-1/pledge-' || p.slug || '-v1', {width})",
            "text_hash": "md5(p.statement) || md5(p.title)",
            "channel": "'sign form'",
            "at": "s.created_at",
        },
        "FROM signature AS s JOIN pledge AS p ON p.id = s.pledge_id",
    )
    insert_rows(
        local,
        "delivery",
        {
            "kind": "'confirm_signature'",
            "stream": ":stream",
            "source_id": "s.id",
            "supporter_id": "s.supporter_id",
            "seq": "0",
            "status": "'sent'",
            "attempts": "1",
            "last_error": "''",
            "created_at": "s.created_at",
            "next_attempt_at": "s.created_at",
            "sent_at": "s.created_at + interval '5 seconds'",
        },
        "FROM signature AS s",
        stream=KINDS["confirm_signature"].stream,
    )
    local.sql("ANALYZE")
    seeding = time.perf_counter() - started
    with local.app.app_context():
        started = time.perf_counter()
        tallies.reconcile()
        db.session.commit()
        reconcile_seconds = time.perf_counter() - started
    say(
        f"Seeded {seeded:,} signatures ({signatures:,} confirmed, {pool:,} unconfirmed) "
        f"with supporters, consent records and mail rows in {seeding:.1f} s; "
        f"reconciled the tallies in {reconcile_seconds:.1f} s"
    )
    return reconcile_seconds


def insert_rows(
    local: LocalApp, table: str, columns: dict[str, str], source: str, **params: Any
) -> int:
    """INSERT … SELECT, filling any other required column from its model default, so a
    column added to a model later doesn't break the seed without saying so."""
    values = dict(columns)
    for column in local.db.metadata.tables[table].columns:
        if (
            column.name in values
            or column.primary_key
            or column.nullable
            or column.server_default is not None
        ):
            continue
        default = column.default
        if isinstance(default, ScalarElementColumnDefault):
            values[column.name] = f":default_{column.name}"
            params[f"default_{column.name}"] = default.arg
        elif default is not None and isinstance(column.type, DateTime):
            values[column.name] = "now()"
        else:
            raise BenchError(f"bench/seeding.py can't seed {table}.{column.name}: update it")
    statement = (
        f"INSERT INTO {table} ({', '.join(values)}) SELECT {', '.join(values.values())} {source}"
    )
    with local.app.app_context():
        count = rows_affected(local.db.session.execute(text(statement), params))
        local.db.session.commit()
    return count
