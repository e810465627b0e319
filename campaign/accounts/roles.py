"""Roles, lowest first. Each role can do everything the ones below it can.

- coordinator: will run one local group; sees that group's members and nothing else.
  Group pages check ownership object by object (a coordinator of group A gets 404 for
  group B, SEC-15); the admin area refuses coordinators entirely. Local groups are not
  built yet, so the role is not offered (OFFERED_ROLES).
- organiser: runs the campaign: dashboard, pledges' targets and wording, moderation,
  exports (after re-authentication).
- admin: also accounts, sectors, new pledges and the audit log.
"""

from __future__ import annotations

from typing import Protocol

COORDINATOR = "coordinator"
ORGANISER = "organiser"
ADMIN = "admin"
ROLES = (COORDINATOR, ORGANISER, ADMIN)
ROLE_NAMES = {COORDINATOR: "Group coordinator", ORGANISER: "Organiser", ADMIN: "Admin"}
# The roles an admin can give today. A coordinator has nothing to run until local groups
# exist, so the role is not offered: accounts that already have it keep it and are told
# so. The groups feature adds COORDINATOR back.
OFFERED_ROLES = (ORGANISER, ADMIN)


class HasRole(Protocol):
    role: str


def has_role(user: HasRole, role: str) -> bool:
    """True if `user`'s role is `role` or above it. Unknown roles have no rights."""
    if user.role not in ROLES or role not in ROLES:
        return False
    return ROLES.index(user.role) >= ROLES.index(role)
