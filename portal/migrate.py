"""Run the Alembic migrations from Python (the CLI, the tests and ``make run`` use this)."""
from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None, connection=None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url:
        config.attributes["database_url"] = database_url
    if connection is not None:
        config.attributes["connection"] = connection
    config.attributes["skip_logging"] = True
    return config


def database_url_for_alembic(config: Config) -> str:
    url = config.attributes.get("database_url") or os.environ.get("DATABASE_URL")
    if url:
        return url
    from portal.config import default_database_url

    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)
    return default_database_url(str(instance))


def upgrade(database_url: str | None = None, connection=None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url, connection), revision)
