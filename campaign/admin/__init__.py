"""The admin area: dashboard, pledges and sectors, signatures and moderation, exports,
accounts and the audit log. Default-deny: see blueprint.py."""
