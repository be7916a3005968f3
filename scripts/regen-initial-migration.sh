#!/usr/bin/env bash
# Until the first release there is one migration: regenerate it from the models.
# After the first release, add new revisions with `alembic revision --autogenerate -m ...`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial.py
DATABASE_URL="sqlite:///$tmp/empty.db" .venv/bin/alembic revision --autogenerate --rev-id 0001 -m initial >/dev/null 2>&1

.venv/bin/python scripts/split_cyclic_foreign_keys.py migrations/versions/0001_initial.py
DATABASE_URL="sqlite:///$tmp/empty.db" .venv/bin/alembic upgrade head >/dev/null 2>&1
DATABASE_URL="sqlite:///$tmp/empty.db" .venv/bin/alembic check
rm -rf "$tmp"
