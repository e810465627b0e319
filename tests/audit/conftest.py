"""The account fixtures (tests/accounts/conftest.py) and the admin area's, for the audit
log's tests."""

from tests.accounts.conftest import clock, code_for, make_user, sign_in, statements  # noqa: F401
from tests.admin.conftest import without_nul_guard  # noqa: F401
