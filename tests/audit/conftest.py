"""The account fixtures (tests/accounts/conftest.py), for the admin area's tests."""

from tests.accounts.conftest import clock, code_for, make_user, sign_in  # noqa: F401
