"""One package per feature: routes and forms only; the work is in ``portal.services``."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from portal.blueprints.accounts import bp as accounts
    from portal.blueprints.devmail import bp as devmail
    from portal.blueprints.household import bp as household
    from portal.blueprints.public import bp as public
    from portal.blueprints.staff import bp as staff

    for blueprint in (public, accounts, household, staff, devmail):
        app.register_blueprint(blueprint)
