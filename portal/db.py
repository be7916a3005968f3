"""Database plumbing: the declarative base, the engine and one session per request.

SQLite is the embedded default and PostgreSQL the production database. On SQLite every
connection turns foreign keys on, uses WAL and waits for locks rather than failing at
once. Write requests begin with ``BEGIN IMMEDIATE`` so that two writers queue for the lock
instead of one of them failing to upgrade a read lock half way (SQLITE_BUSY).
"""
from __future__ import annotations

from contextvars import ContextVar

from flask import Flask, g, request, session
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Set while a write request (or a CLI command that writes) runs, so that SQLite takes the
# write lock at BEGIN instead of at the first write.
_immediate: ContextVar[bool] = ContextVar("sqlite_immediate", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(url: str, **kwargs) -> Engine:
    # Database errors would otherwise quote the values of the failing statement (names,
    # addresses) into tracebacks and logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


class Database:
    """The engine and session factory of one app, kept on ``app.extensions['db']``."""

    def __init__(self, url: str, **engine_kwargs):
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        return self.sessionmaker()


def init_app(app: Flask) -> Database:
    database = Database(app.config["DATABASE_URL"])
    app.extensions["db"] = database

    @app.before_request
    def _mark_write_requests():
        # Signed-in pages write too, even on GET: staff views leave an audit row. A
        # deferred SQLite transaction that reads and then writes fails at once if another
        # writer committed in between, so those take the write lock at BEGIN as well.
        if request.method not in SAFE_METHODS or "_user_id" in session:
            g._immediate_token = _immediate.set(True)

    @app.teardown_request
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()  # rolls back anything not committed
        token = g.pop("_immediate_token", None)
        if token is not None:
            _immediate.reset(token)

    return database


def get_db() -> Session:
    """The request's session (or the app context's, for CLI commands)."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = current_app.extensions["db"].session()
    return g.db_session


class write_lock:
    """Context manager for CLI commands and threads: SQLite transactions begun inside it
    take the write lock at BEGIN."""

    def __enter__(self):
        self._token = _immediate.set(True)
        return self

    def __exit__(self, *exc):
        _immediate.reset(self._token)
        return False
