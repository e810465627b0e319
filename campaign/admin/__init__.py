"""The admin area: dashboard, pledges and sectors, signatures and moderation, exports,
accounts and the audit log. Views, forms and templates only: what they show and change is
decided by the features that own it (pledges, supporters, accounts, audit …). Closed by
default: blueprint.py protects it with campaign/accounts/access.py's guard."""
