"""Throttles on the doors anyone can knock on without an account: the online application, the
objection to a public notice and the status lookup.

Each knock is a row of `public_attempts` written in the same database every web process uses, so a
limit holds however many processes and hosts serve. A limit is a count within a window, per address
and per ID number (or case number); each is set by an environment variable (docs/deploy.md):
`JIUZHU_PUBLIC_…=N` or `N/minutes`.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.errors import DomainError
from engine.store.web_models import PublicAttempt

log = logging.getLogger("jiuzhu.throttle")


class TooManyAttempts(DomainError):
    """Refused for a while after too many attempts (HTTP 429)."""

    code = "too_many_attempts"


@dataclass(frozen=True)
class Limit:
    door: str  # application, objection, status
    scope: str  # address, id_number, case_no
    env: str
    count: int
    minutes: int

    def current(self) -> tuple[int, int]:
        """(count, minutes) from the environment, else the default; read on each use so a changed
        setting holds after a restart of the process and tests may set it."""
        raw = os.environ.get(self.env, "").strip()
        count, _, minutes = raw.partition("/")
        if count.isascii() and count.isdigit() and (not minutes or (minutes.isascii() and minutes.isdigit())):
            return max(1, int(count[:6])), max(1, int(minutes[:6])) if minutes else self.minutes
        if raw:
            log.warning("%s=%r is not N or N/minutes; using %s/%s", self.env, raw, self.count, self.minutes)
        return self.count, self.minutes


LIMITS = [
    Limit("application", "address", "JIUZHU_PUBLIC_APPLICATIONS_PER_ADDRESS", 5, 60),
    Limit("application", "id_number", "JIUZHU_PUBLIC_APPLICATIONS_PER_ID_NUMBER", 2, 24 * 60),
    Limit("objection", "address", "JIUZHU_PUBLIC_OBJECTIONS_PER_ADDRESS", 5, 60),
    Limit("status", "address", "JIUZHU_PUBLIC_STATUS_FAILURES_PER_ADDRESS", 5, 15),
    Limit("status", "case_no", "JIUZHU_PUBLIC_STATUS_FAILURES_PER_CASE", 5, 15),
]
MESSAGES = {
    "application": "网上申请提交过于频繁，请 {minutes} 分钟后再试；急需救助请直接到乡镇（街道）窗口或拨打求助电话",
    "objection": "异议提交过于频繁，请 {minutes} 分钟后再试，或直接到乡镇（街道）反映",
    "status": "查询未成功的次数过多，请 {minutes} 分钟后再试",
}


def _hash(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()


def check(session: Session, door: str, keys: Mapping[str, str | None], now: datetime) -> None:
    """Refuse with a Chinese message when any of the door's limits is reached for these keys."""
    for limit in LIMITS:
        key = keys.get(limit.scope)
        if limit.door != door or not key:
            continue
        count, minutes = limit.current()
        seen = session.execute(
            select(func.count())
            .select_from(PublicAttempt)
            .where(
                PublicAttempt.door == door,
                PublicAttempt.scope == limit.scope,
                PublicAttempt.key_hash == _hash(limit.scope, key),
                PublicAttempt.at >= now - timedelta(minutes=minutes),
            )
        ).scalar_one()
        if seen >= count:
            raise TooManyAttempts(MESSAGES[door].format(minutes=minutes))


def record(session: Session, door: str, keys: Mapping[str, str | None], now: datetime) -> None:
    """Count one attempt against each key (and forget attempts older than any window)."""
    longest = max(limit.current()[1] for limit in LIMITS)
    session.execute(delete(PublicAttempt).where(PublicAttempt.at < now - timedelta(minutes=longest)))
    for scope, key in keys.items():
        if key:
            session.add(PublicAttempt(door=door, scope=scope, key_hash=_hash(scope, key), at=now))
