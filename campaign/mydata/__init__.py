"""Manage your data: from an emailed link, with no account, a supporter sees everything
held about them, changes what is public and what they receive, downloads it all (JSON,
CSV) or erases themselves (PRIV-04, PRIV-06, PRIV-07)."""
