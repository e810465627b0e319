"""Frontline as `app.py` builds it, with the sign-up rate limits raised for the bench.

Every bench request comes from 127.0.0.1, so past the 20th sign-up in an hour the real
per-IP limit would flag each signature (it is still written, only not counted). The
limits are still checked against Redis on every sign-up, so the cost measured is the
same; only the outcome differs, which lets the confirm run exercise the counters.
SIGN_RATE_LIMIT_* are not read from the environment, hence this module.
BENCH_COUNT_SHARDS (set by `run.py --shards`) overrides COUNT_SHARDS for experiments.
"""

import os
from typing import Any

from campaign import create_app


def bench_settings() -> dict[str, Any]:
    settings: dict[str, Any] = {
        "SIGN_RATE_LIMIT_PER_IP": "1000000 per hour",
        "SIGN_RATE_LIMIT_PER_DOMAIN": "1000000 per hour",
    }
    if os.environ.get("BENCH_COUNT_SHARDS"):
        settings["COUNT_SHARDS"] = int(os.environ["BENCH_COUNT_SHARDS"])
    return settings


app = create_app(bench_settings())
