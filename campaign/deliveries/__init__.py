"""Every email to every recipient is a Delivery row; workers send the queued ones.

A feature says how to render its kinds of message with `register_kind` (kinds.py);
requests write the row in their own transaction and wake a worker after commit.
"""
