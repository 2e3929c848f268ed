"""Run Alembic migrations programmatically (what `lgsco migrate`, `lgsco up` and tests call)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import lgsco.migrations


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(lgsco.migrations.__file__).parent))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`. Synchronous: call it before starting an event loop."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
