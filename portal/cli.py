"""``flask --app portal <command>``: the portal's command-line jobs."""
from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal import demo
from portal.db import write_lock
from portal.models import Agency, StaffRole


def init_app(app: Flask) -> None:
    app.cli.add_command(db_upgrade)
    app.cli.add_command(demo_data)
    app.cli.add_command(create_user)
    app.cli.add_command(send_outbox)
    app.cli.add_command(send_reminders)
    app.cli.add_command(refresh_clocks)
    app.cli.add_command(purge_enquiries)


def _session():
    return current_app.extensions["db"].session()


@click.command("db-upgrade")
@with_appcontext
def db_upgrade():
    """Create or upgrade the database schema to the newest migration."""
    from portal.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@click.command("demo-data")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only load into an empty database; print the logins either way.")
def demo_data(if_empty: bool):
    """Load the demo partnership, staff and households (never in production)."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Demo data is for development only (PORTAL_ENV=development).")
    with write_lock(), _session() as session:
        if demo.is_loaded(session):
            if not if_empty:
                raise click.ClickException("The database already has data; demo data loads into an empty one.")
        else:
            demo.load(session)
            session.commit()
            click.echo("Demo data loaded.")
    click.echo("\nDemo sign-ins (password for all: %s)" % demo.DEMO_PASSWORD)
    for login in demo.logins():
        click.echo(f"  {login.email:<40} {login.description}")
    click.echo("")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--first-name", default="", help="Defaults to the part of the address before the @.")
@click.option("--last-name", default="")
@click.option("--role", required=True, type=click.Choice([r.value for r in StaffRole]))
@click.option("--agency", "agency_slug", required=True, help="The agency's short code, e.g. hub or northvale.")
def create_user(email, first_name, last_name, role, agency_slug):
    """Create a staff account. The password comes from PORTAL_PASSWORD or a prompt."""
    from portal.services import accounts
    from portal.services.errors import DomainError

    password = os.environ.get("PORTAL_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise click.ClickException("Set PORTAL_PASSWORD, or run in a terminal to be asked for it.")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with write_lock(), _session() as session:
        agency = session.scalar(select(Agency).where(Agency.slug == agency_slug))
        if agency is None:
            known = ", ".join(session.scalars(select(Agency.slug).order_by(Agency.slug)))
            raise click.ClickException(f"No agency {agency_slug!r}. Known agencies: {known or 'none yet'}")
        local = email.split("@")[0]
        try:
            user = accounts.create_staff(
                session, email=email, first_name=first_name or local.split(".")[0].title(),
                last_name=last_name or (local.split(".")[1].title() if "." in local else ""),
                role=StaffRole(role), agency=agency, password=password,
            )
        except DomainError as error:
            raise click.ClickException(error.message) from None
        session.commit()
        click.echo(f"Created {user.role.label.lower()} at {agency.name}.")


@click.command("send-outbox")
@with_appcontext
@click.option("--limit", type=int, default=None, help="Send at most this many messages.")
def send_outbox(limit):
    """Deliver queued emails over SMTP (run from cron every minute)."""
    from portal.services.mail import deliver_outbox

    if not current_app.config["MAIL_SERVER"]:
        raise click.ClickException("MAIL_SERVER is not set. In development, read emails at /dev/outbox.")
    with write_lock(), _session() as session:
        report = deliver_outbox(session, current_app.config, limit=limit)
    click.echo(f"Sent {report.sent}, will retry {report.retried}, failed {report.failed}.")


@click.command("send-reminders")
@with_appcontext
def send_reminders():
    """Queue event reminders: two days before, and the joining link on the day (run from cron)."""
    from portal.clock import utcnow
    from portal.services.reminders import send_reminders as queue_reminders

    with write_lock(), _session() as session:
        report = queue_reminders(session, now=utcnow())
        session.commit()
    click.echo(f"Queued {report.reminders} reminders and {report.joining_links} joining links.")


@click.command("refresh-clocks")
def refresh_clocks():
    """Recompute every open assessment's due dates (after a new bank holiday is proclaimed and
    the holidays package updated, for example)."""
    from portal.services import journey

    with write_lock(), _session() as session:
        moved = journey.refresh_open_journeys(session, None)
        session.commit()
    click.echo(f"Due dates recomputed: {moved} assessment{'s' if moved != 1 else ''} changed.")


@click.command("purge-enquiries")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Count what would be deleted and change nothing.")
@click.option("--keep-days", type=click.IntRange(min=1), default=730, show_default=True,
              help="Delete enquiries with no activity for longer than this.")
def purge_enquiries(dry_run: bool, keep_days: int):
    """Delete enquiries not pursued (no household) and idle for two years, as the privacy
    notice promises (run from cron, e.g. daily)."""
    from portal.clock import utcnow
    from portal.services import retention

    with write_lock(), _session() as session:
        report = retention.purge_enquiries(session, now=utcnow(), keep_days=keep_days, dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    click.echo(("Dry run: nothing deleted. Would delete:" if dry_run else "Deleted:"))
    for line in report.lines():
        click.echo(f"  {line}")
