"""The append-only audit log (AUD-01): who did what, to which object, when.

Features call `record(...)` inside the transaction of the action itself, so an action
and its audit row are committed together or not at all. Targets name objects by kind and
id ("pledge:12", "user:3"), never by a supporter's email or name: the log must not
become a second copy of the personal data it watches over.
"""

from campaign.audit.models import AuditLog
from campaign.audit.services import record

__all__ = ["AuditLog", "record"]
