"""Organiser, admin and group-coordinator accounts: passwords, TOTP, sessions, invites.

Supporters never have accounts (see campaign.supporters). These accounts are the keys to
every supporter's data, so they get the site's strongest protection (SEC-08…14).
"""
