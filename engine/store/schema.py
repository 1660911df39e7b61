"""Create or upgrade the schema with Alembic (the only way the schema changes), and check it.

Upgrading is a release step (`jiuzhu init-db`); a server or worker only checks that the database is
at the revision its code expects and refuses to run otherwise (SchemaBehind says what to do).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from engine.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaBehind(RuntimeError):
    """The database is not at the schema this code expects."""

    def __init__(self, current: str | None, head: str):
        self.current, self.head = current, head
        state = "没有数据表" if current is None else f"处于版本 {current}"
        super().__init__(
            f"数据库结构{state}，本程序需要版本 {head}：请先运行 `jiuzhu init-db`（发布步骤）再启动。"
            f" / The database schema is at {current or 'nothing'}, this release needs {head}: "
            "run `jiuzhu init-db` first."
        )


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    return heads[0] if len(heads) == 1 else ",".join(sorted(heads))


def current_revision(db: Database) -> str | None:
    """The revision recorded in alembic_version (None on an empty database)."""
    with db.reader.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        heads = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(heads)) if heads else None


def check(db: Database) -> str:
    """The current revision when it is the head; SchemaBehind otherwise."""
    current, head = current_revision(db), head_revision()
    if current != head:
        raise SchemaBehind(current, head)
    return current


def upgrade(db: Database, revision: str = "head") -> None:
    """Upgrade to `revision`. On PostgreSQL an advisory lock makes two releases started at once take
    turns instead of racing on the same DDL."""
    cfg = alembic_config(db)
    with db.writer.connect() as connection:
        if not db.sqlite:
            connection.exec_driver_sql("SELECT pg_advisory_lock(7302013)")
        try:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
            connection.commit()
        finally:
            if not db.sqlite:
                connection.exec_driver_sql("SELECT pg_advisory_unlock(7302013)")
                connection.commit()
