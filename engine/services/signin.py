"""Signing in: accounts as the web sees them, passwords with throttled failures, API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound, NotPermitted
from engine.services import people
from engine.services.throttle import Limit, TooManyAttempts
from engine.store.models import Area, AuditEvent, User
from engine.store.web_models import LoginFailure
from engine.vocabulary import ROLE_TITLES, Role

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork

# Failures count per account *and* address: guessing from one address slows that address down on
# that account (1, 2, 4 … minutes between tries, at most the window), while the clerk signs in from
# anywhere else. One address failing on many accounts is stopped for the window.
PER_ACCOUNT_AND_ADDRESS = Limit("signin", "account", "JIUZHU_SIGNIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5, 15)
PER_ADDRESS = Limit("signin", "address", "JIUZHU_SIGNIN_FAILURES_PER_ADDRESS", 20, 15)
# Roles that take applications: the township window, and the village worker applying on a
# resident's behalf (002 §三 申请受理；000 §二(三) 主动发现).
APPLYING_ROLES = frozenset({Role.VILLAGE, Role.TOWNSHIP})
_timing_hasher = PasswordHasher()
_DUMMY_HASH = _timing_hasher.hash("not-a-password")


@dataclass(frozen=True)
class Account:
    """A signed-in person: what the web needs to know about a user (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    area_code: str
    area_name: str

    @property
    def role_title(self) -> str:
        return ROLE_TITLES[Role(self.role)]

    @property
    def may_apply(self) -> bool:
        return Role(self.role) in APPLYING_ROLES


def _account(session: Session, user: User) -> Account:
    area = session.get(Area, user.area_code)
    return Account(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.area_code,
        area.name if area is not None else user.area_code,
    )


def account(uow: UnitOfWork, username: str) -> Account | None:
    with uow:
        session = uow.session
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        return _account(session, user) if user is not None else None


# The account of every signed-in request (by session or by API token) with its area's name, in one
# round trip.
_ACCOUNT = select(User.id, User.username, User.display_name, User.role, User.area_code, Area.name).outerjoin(
    Area, Area.code == User.area_code
)
_ACCOUNT_BY_ID = _ACCOUNT.where(User.id == bindparam("user_id"), User.active.is_(True))
_ACCOUNT_BY_NAME = _ACCOUNT.where(User.username == bindparam("username"), User.active.is_(True))
_ACCOUNT_BY_TOKEN = _ACCOUNT.where(User.api_token_hash == bindparam("token_hash"), User.active.is_(True))


def _row_account(row) -> Account:
    return Account(row.id, row.username, row.display_name, row.role, row.area_code, row.name or row.area_code)


def active_account(session: Session, username: str) -> Account | None:
    """The active user's account, in the caller's transaction."""
    row = session.execute(_ACCOUNT_BY_NAME, {"username": username}).first()
    return _row_account(row) if row is not None else None


def account_by_id(uow: UnitOfWork, user_id: int) -> Account | None:
    with uow:
        row = uow.session.execute(_ACCOUNT_BY_ID, {"user_id": user_id}).first()
    return _row_account(row) if row is not None else None


def authenticate(uow: UnitOfWork, username: str, password: str, remote_addr: str) -> Account:
    """The account for a correct password; every failure is recorded and repeated ones refused."""
    now = uow.now()
    remote_addr = (remote_addr or "unknown")[:64]
    username = (username or "").strip()[:64]
    with uow:
        session = uow.session
        check_throttle(session, username, remote_addr, now)
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            _spend_a_password_check(password)
            ok = False
        else:
            ok = people.check_password(user, password or "")
        if ok and user is not None:
            session.execute(  # a success here says nothing about guesses from elsewhere
                delete(LoginFailure).where(
                    LoginFailure.username == username, LoginFailure.remote_addr == remote_addr
                )
            )
            session.add(AuditEvent(at=now, actor=username, action="signed_in", data={"from": remote_addr}))
            result = _account(session, user)
        else:
            record_failure(session, username, remote_addr, now)
            session.add(
                AuditEvent(at=now, actor=username or "?", action="sign_in_failed", data={"from": remote_addr})
            )
            result = None
        uow.commit()
    if result is None:
        raise NotPermitted("用户名或密码不正确")
    return result


def _spend_a_password_check(password: str | None) -> None:
    """An unknown user name costs as long as a wrong password, so timing does not tell them apart."""
    try:
        _timing_hasher.verify(_DUMMY_HASH, password or "")
    except VerificationError:
        pass


def check_throttle(session: Session, username: str, remote_addr: str, now: datetime) -> None:
    """Refuse for a while when this account failed too often from this address, or this address
    failed too often on any account; the wait grows with each further failure."""
    count, minutes = PER_ACCOUNT_AND_ADDRESS.current()
    window = timedelta(minutes=minutes)
    failed, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.username == username,
            LoginFailure.remote_addr == remote_addr,
            LoginFailure.at >= now - window,
        )
    ).one()
    if failed >= count:
        wait = min(window, timedelta(minutes=2 ** min(failed - count, 20)))
        if now < last + wait:
            raise TooManyAttempts(f"登录失败次数过多，请 {_minutes(last + wait - now)} 分钟后再试")
    count, minutes = PER_ADDRESS.current()
    by_address = session.execute(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.remote_addr == remote_addr, LoginFailure.at >= now - timedelta(minutes=minutes))
    ).scalar_one()
    if by_address >= count:
        raise TooManyAttempts(f"本机登录失败次数过多，请 {minutes} 分钟后再试")


def _minutes(wait: timedelta) -> int:
    return max(1, -(-int(wait.total_seconds()) // 60))


def record_failure(session: Session, username: str, remote_addr: str, now: datetime) -> None:
    """Record a failed sign-in; failures older than the longest window count for nothing any more
    and are removed on the way, so a guessing campaign does not grow the table for ever."""
    longest = max(PER_ACCOUNT_AND_ADDRESS.current()[1], PER_ADDRESS.current()[1])
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(minutes=longest)))
    session.add(LoginFailure(username=username[:64], remote_addr=(remote_addr or "unknown")[:64], at=now))


def issue_api_token(uow: UnitOfWork, username: str) -> str:
    """A new API token for the user (the previous one stops working); shown once, only its hash kept."""
    with uow:
        user = people.get_user(uow.session, username)
        token = people.issue_api_token(user)
        uow.session.add(AuditEvent(at=uow.now(), actor=username, action="api_token_issued", data={}))
        uow.commit()
        return token


def account_for_token(uow: UnitOfWork, token: str) -> Account:
    if not token:
        raise NotFound("令牌无效")
    with uow:
        row = uow.session.execute(_ACCOUNT_BY_TOKEN, {"token_hash": people.token_hash(token)}).first()
    if row is None:
        raise NotFound("令牌无效")
    return _row_account(row)
