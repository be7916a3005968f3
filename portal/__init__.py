"""The adopter portal: ``create_app`` builds the app; ``flask --app portal`` runs it."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from portal import config as config_module
from portal import db, logging_setup

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
    )
    Path(app.instance_path).mkdir(exist_ok=True)
    overrides = dict(overrides or {})
    env = overrides.get("PORTAL_ENV") or os.environ.get("PORTAL_ENV", "production")
    if env == "development" and not os.environ.get("SECRET_KEY") and "SECRET_KEY" not in overrides:
        overrides["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    app.config.update(config_module.load_config(app.instance_path, overrides))
    app.debug = False  # never the interactive debugger: it runs code from the browser
    logging_setup.configure(app.config["LOG_LEVEL"])

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(__file__).parent / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    if app.config["PROXY_FIX"]:
        # Behind one reverse proxy: trust its X-Forwarded-For/-Proto, so rate limits see
        # the client's address and cookies know the request was HTTPS.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

    db.init_app(app)

    from portal import web
    web.init_app(app)

    # Every <int:...> in a URL is a record id: one too large for a database column is a
    # 404, not an overflow deep in the driver.
    app.url_map.converters["int"] = web.RecordIdConverter
    from portal.blueprints import register_blueprints
    register_blueprints(app)

    from portal import cli
    cli.init_app(app)
    return app


def _development_secret(instance: Path) -> str:
    """A per-checkout random key kept in instance/, so sign-ins survive a restart."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
