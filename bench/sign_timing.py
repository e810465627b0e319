"""Does signing a second time answer faster than the first? (issue 6 item 6, BOT-03)

Prints the median and p90 server time of a first sign-up and of a repeat sign-up by the
same address, in pairs taken alternately, through the real view on PostgreSQL (its own
throwaway database), and the ratio between them. A figure, not a test.

    .venv/bin/python bench/sign_timing.py [--pairs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import hidden_fields  # noqa: E402 - after the path is set
from campaign import create_app  # noqa: E402
from campaign.extensions import db  # noqa: E402
from campaign.geo import build_lookup, default_db_path  # noqa: E402
from campaign.pledges.models import Pledge, Sector  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    args = parser.parse_args()

    name = f"frontline_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    postcodes = default_db_path(ROOT / "instance")
    if not postcodes.exists():
        build_lookup(postcodes)
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"{POSTGRES}/{name}",
                "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123",
                "POSTCODE_DB": str(postcodes),
                "SIGN_FORM_MIN_SECONDS": 0,
                "SIGN_RATE_LIMIT_PER_IP": "1000000 per hour",
                "HUEY_IMMEDIATE": False,
                "HUEY_SQLITE_PATH": f"/tmp/{name}-huey.sqlite3",  # noqa: S108 - throwaway
            }
        )
        with app.app_context():
            db.create_all()
            sector = Sector(slug="health", name="Health")
            db.session.add(Pledge(slug="gp", sector=sector, title="GP", statement="I will."))
            db.session.commit()
            client = app.test_client()
            fields = hidden_fields(client.get("/pledges/gp").get_data(as_text=True))
            form = {
                **fields,
                "name": "Bench Signer",
                "postcode": "SW1A 1AA",
                "consent": "y",
                "display": "none",
            }

            def sign(email: str) -> float:
                started = time.perf_counter()
                response = client.post("/pledges/gp", data={**form, "email": email})
                elapsed = time.perf_counter() - started
                assert response.status_code == 303, response.status_code
                return elapsed

            for n in range(20):  # warm up connections and caches
                sign(f"warm{n}@example.net")
                sign(f"warm{n}@example.net")
            first, repeat = [], []
            for n in range(args.pairs):
                address = f"signer{n}@example.net"
                first.append(sign(address))
                repeat.append(sign(address))
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def ms(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q * 100) - 1] * 1000

    print(f"{args.pairs} pairs, PostgreSQL, through the sign view (test client)")
    print(f"{'':10} {'median ms':>10} {'p90 ms':>8}")
    for label, values in (("first", first), ("repeat", repeat)):
        print(f"{label:10} {statistics.median(values) * 1000:10.2f} {ms(values, 0.9):8.2f}")
    print(f"repeat ÷ first (median): {statistics.median(repeat) / statistics.median(first):.3f}")


if __name__ == "__main__":
    main()
