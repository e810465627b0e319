"""Supporters: the people who sign. No accounts, no passwords; email-link access only."""
