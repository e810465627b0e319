"""gunicorn's settings for Frontline, in one place.

    gunicorn -c gunicorn.conf.py                      # production (README, "Production")
    flask --app app serve                             # make run: this file, HOST and PORT

Run from the top of the checkout (app.py is here). Command-line options override these,
e.g. `--workers 4`. The README's "Production" section has the reasoning ("Keep-alive and
the proxy", "Logs").
"""

import os

wsgi_app = "app:app"

# HOST and PORT are the ones the README documents for the site (defaults as in
# campaign/config.py). Naming the address here also stops gunicorn from binding every
# interface by itself whenever PORT is set.
_host = os.environ.get("HOST") or "127.0.0.1"
_port = os.environ.get("PORT") or "5000"
bind = [f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"]

# Threads, because a request spends much of its time waiting on PostgreSQL, Redis and
# argon2; idle kept-alive connections wait in the worker's poller, not in a thread.
worker_class = "gthread"
workers = 2
threads = 4

# Keep-alive: a connection is closed after this many idle seconds. Whoever closes an
# idle connection first must be the client (the reverse proxy), never gunicorn: when
# gunicorn closes it at the moment the proxy sends the next request on it, that request
# is lost without an answer, and the proxy may not resend it (a POST: a signature). So
# this is longer than the upstream idle timeout of the proxy in front (nginx: 60 s by
# default). gunicorn's own default, 2 s, lost POSTs under load: bench/keepalive.py.
keepalive = 75
# The default 1,000 simultaneous connections per worker, idle ones included; past
# `worker_connections - threads` kept-alive ones, answers say "Connection: close".
worker_connections = 1000
# A request that takes longer than this is killed with its worker.
timeout = 30
graceful_timeout = 30
# No max_requests: each restart of a worker closes the connections it keeps alive
# (benoitc/gunicorn #3038) for no benefit here.

# Logs: no client address and no secret from a URL anywhere (PRIV-09); the logger is in
# campaign/serve.py. The access log is on standard output, errors on standard error.
logger_class = "campaign.serve.PrivateLogger"
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'

# gunicorn's runtime control socket (~/.gunicorn/gunicorn.ctl) is not used, and every
# gunicorn of the same user on the host would share that one path.
control_socket_disable = True
proc_name = "frontline"
