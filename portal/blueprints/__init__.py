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

    from portal.blueprints.journey import bp as journey
    from portal.blueprints.progress import bp as progress

    for blueprint in (journey, progress):
        app.register_blueprint(blueprint)

    from portal.blueprints.events import bp as events
    from portal.blueprints.events_staff import bp as events_staff

    for blueprint in (events, events_staff):
        app.register_blueprint(blueprint)

    from portal.blueprints.enquiries import bp as enquiries
    from portal.blueprints.roi import bp as roi
    from portal.blueprints.triage import bp as triage

    for blueprint in (enquiries, triage, roi):
        app.register_blueprint(blueprint)
