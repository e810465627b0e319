"""The baseline: the least a Flask app served by gunicorn can do (one small JSON reply).

bench/run.py serves it exactly as it serves Frontline, so each Frontline figure can be
read as a ratio to what Flask + gunicorn cost on the same machine in the same run.
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():  # type: ignore[no-untyped-def]
    return jsonify(ok=True, service="baseline")
