import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from portal.models import Agency, Household, HouseholdStage, StaffRole, User, UserKind
from tests.factories import create_agency

ROOT = Path(__file__).resolve().parents[2]


def test_create_user_command(app, db, monkeypatch):
    create_agency(db, slug="cli-agency", name="CLI agency")
    monkeypatch.setenv("PORTAL_PASSWORD", "a long and private passphrase")
    result = app.test_cli_runner().invoke(args=["create-user", "--email", "New.Person@example.org",
                                                "--role", "social_worker", "--agency", "cli-agency"])
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.role == StaffRole.SOCIAL_WORKER and user.first_name == "New" and user.last_name == "Person"
    assert "a long and private passphrase" not in result.output


def test_create_user_refuses_a_weak_password_and_unknown_agency(app, db, monkeypatch):
    create_agency(db, slug="cli-agency-2")
    monkeypatch.setenv("PORTAL_PASSWORD", "password1234")
    weak = app.test_cli_runner().invoke(args=["create-user", "--email", "a@example.org", "--role", "team_manager", "--agency", "cli-agency-2"])
    assert weak.exit_code != 0 and "too common" in weak.output
    monkeypatch.setenv("PORTAL_PASSWORD", "a long and private passphrase")
    unknown = app.test_cli_runner().invoke(args=["create-user", "--email", "a@example.org", "--role", "team_manager", "--agency", "nowhere"])
    assert unknown.exit_code != 0 and "No agency 'nowhere'" in unknown.output


def test_demo_data_builds_a_living_partnership(app, db):
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "northvale-demo-2026" in result.output
    assert db.scalar(select(func.count()).select_from(Agency).where(Agency.is_hub.is_(False))) == 6
    roles = set(db.scalars(select(User.role).where(User.kind == UserKind.STAFF)))
    assert roles == set(StaffRole)
    stages = set(db.scalars(select(Household.stage)))
    assert {HouseholdStage.REGISTERED, HouseholdStage.STAGE_1, HouseholdStage.STAGE_2, HouseholdStage.APPROVED} <= stages
    again = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert again.exit_code == 0 and "Demo data loaded" not in again.output


def test_migrations_match_the_models(database_url):
    """`alembic check`: the migrations produce exactly the schema the models describe."""
    env = dict(os.environ, DATABASE_URL=database_url)
    result = subprocess.run([sys.executable, "-m", "alembic", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr
