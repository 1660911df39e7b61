"""Shared fixtures: engines on SQLite (a file per test) and on PostgreSQL (a database per test run)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from stdnum.cn import ric

from engine import Engine

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
PG_ADMIN_URL = os.environ.get("JIUZHU_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")

COUNTY, TOWN_A, TOWN_B = "639001", "639001001", "639001002"
VILLAGE_A1, VILLAGE_B1 = "639001001001", "639001002001"


def make_id_number(first17: str) -> str:
    """A valid 18-character ID number (GB 11643 check digit) from its first 17 characters."""
    return first17 + ric.calc_check_digit(first17 + "0")


def seed_people(eng: Engine) -> None:
    for code, name in (
        (COUNTY, "示范县"),
        (TOWN_A, "城关镇"),
        (TOWN_B, "青山乡"),
        (VILLAGE_A1, "东村"),
        (VILLAGE_B1, "南村"),
    ):
        eng.add_area(code, name)
    for username, role, area in (
        ("town_a", "township", TOWN_A),
        ("town_a2", "township", TOWN_A),
        ("town_b", "township", TOWN_B),
        ("county", "county", COUNTY),
        ("village_a", "village", VILLAGE_A1),
        ("auditor", "auditor", COUNTY),
    ):
        eng.add_user(username, username, role, area)


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as err:  # noqa: BLE001 - any failure means: skip with the reason
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {err}"


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    import psycopg

    name = f"jiuzhu_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_pg(url: str) -> None:
    """Empty every table between tests (the schema and its triggers stay)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jiuzhu.sqlite3'}"
    url = request.getfixturevalue("pg_url")
    Engine.open(url).close()
    _reset_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'jiuzhu.sqlite3'}"


@pytest.fixture
def mini_engine(db_url):
    """An engine on each database with the small test process deployed and people seeded."""
    eng = Engine.open(db_url)
    eng.deploy(MINI / "bpmn", MINI / "forms")
    seed_people(eng)
    yield eng
    eng.close()


@pytest.fixture
def applicant():
    return {"name": "张三", "id_number": make_id_number("11010119900307451")}
