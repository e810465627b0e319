"""Frontline: sector pledges, local groups, agreement alerts and campaign email."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from campaign import config as config_module
from campaign import jobs, security
from campaign.extensions import cache, csrf, db, limiter, login_manager, mail, migrate
from campaign.jobs import jobs_cli


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(config_module.Config)
    app.config.update(config_module.from_environment(os.environ, app.instance_path))
    if test_config:
        app.config.update(test_config)
    config_module.check_production(app.config)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    jobs.init_app(app)
    security.init_app(app)

    register_features(app)
    return app


def register_features(app: Flask) -> None:
    # Importing a feature's models and emails registers its tables and message kinds.
    from campaign import pages
    from campaign.accounts import emails as account_emails  # noqa: F401 - registers kinds
    from campaign.accounts import sessions as account_sessions  # noqa: F401 - user loader
    from campaign.accounts import settings as account_settings
    from campaign.accounts import views as account_views
    from campaign.accounts.cli import accounts_cli
    from campaign.admin import views as admin_views
    from campaign.api import views as api_views
    from campaign.deliveries import tasks as delivery_tasks  # noqa: F401 - registers tasks
    from campaign.deliveries import views as outbox_views
    from campaign.demo.cli import demo
    from campaign.geo.cli import geo
    from campaign.mydata import emails as mydata_emails  # noqa: F401 - registers kinds
    from campaign.mydata import tasks as mydata_tasks  # noqa: F401 - registers tasks
    from campaign.mydata import views as mydata_views
    from campaign.pledges import emails as pledge_emails  # noqa: F401 - registers kinds
    from campaign.pledges import tasks as pledge_tasks  # noqa: F401 - registers tasks
    from campaign.pledges import views as pledge_views
    from campaign.serve import serve

    app.register_blueprint(pages.bp)
    app.register_blueprint(pledge_views.bp)
    app.register_blueprint(api_views.bp)
    app.register_blueprint(mydata_views.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(account_settings.bp)
    app.register_blueprint(admin_views.bp)
    if app.config["DEV_OUTBOX"] and not app.config["MAIL_SERVER"]:
        app.register_blueprint(outbox_views.bp)

    app.cli.add_command(accounts_cli)
    app.cli.add_command(demo)
    app.cli.add_command(geo)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(serve)
    pages.init_app(app)
