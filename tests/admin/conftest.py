"""The account fixtures (tests/accounts/conftest.py), for the admin area's tests, and an
app without its app-wide guard against NUL bytes."""

from __future__ import annotations

import pytest
from flask import Flask

from campaign import security
from tests.accounts.conftest import clock, code_for, make_user, sign_in, statements  # noqa: F401

HUGE = "99999999999999999999"  # beyond any integer column, in either database


@pytest.fixture
def without_nul_guard(app: Flask) -> Flask:
    """The app without campaign.security's 400 for NUL bytes anywhere in a request: the
    admin views must be safe on their own, not only behind that guard."""
    guard = security._refuse_nul_bytes
    funcs = app.before_request_funcs[None]
    assert guard in funcs
    app.before_request_funcs[None] = [f for f in funcs if f is not guard]
    return app
