"""People and places: areas (county ⊃ township ⊃ village) and users with a role and an area."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.areas import area_level, parent_of
from engine.errors import Conflict, FieldError, NotFound, NotPermitted, ValidationFailed
from engine.store.models import Area, User
from engine.vocabulary import Role

_hasher = PasswordHasher()


def add_area(session: Session, code: str, name: str, parent_code: str | None = None) -> Area:
    level = area_level(code)
    if level == "unknown" or not code.isdigit():
        raise ValidationFailed([FieldError("code", "区划代码：省2位、市4位、县6位、乡镇9位、村12位数字")])
    if parent_code is None:
        parent_code = parent_of(code)
        if level in ("county", "city") and parent_code and session.get(Area, parent_code) is None:
            parent_code = None  # a county (or city) may stand alone when its city (province) is not recorded
    if parent_code is not None:
        if not code.startswith(parent_code):
            raise ValidationFailed([FieldError("parent_code", "上级区划代码应为本代码的前缀")])
        if session.get(Area, parent_code) is None:
            raise NotFound(f"上级区划 {parent_code} 不存在")
    existing = session.get(Area, code)
    if existing is not None:
        existing.name = name
        return existing
    area = Area(code=code, name=name, level=level, parent_code=parent_code)
    session.add(area)
    return area


def add_user(
    session: Session,
    username: str,
    display_name: str,
    role: str,
    area_code: str,
    now: datetime,
    password: str | None = None,
) -> User:
    try:
        Role(role)
    except ValueError:
        raise ValidationFailed([FieldError("role", f"角色：未知角色 {role}")]) from None
    if session.get(Area, area_code) is None:
        raise NotFound(f"区划 {area_code} 不存在")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已存在")
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        area_code=area_code,
        password_hash=_hasher.hash(password) if password else None,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotPermitted("用户不存在或已停用")
    return user


def in_roles(session: Session, username: str, roles: tuple[Role, ...]) -> User:
    """The active user if their role is one of `roles`; else NotPermitted."""
    user = get_user(session, username)
    if Role(user.role) not in roles:
        raise NotPermitted(
            "无权进行此操作：" + ("仅流程管理员" if roles == (Role.PROCESS_OWNER,) else "岗位不符")
        )
    return user


_USERS = User.__table__
_ACTOR = select(_USERS.c.username, _USERS.c.role, _USERS.c.area_code, _USERS.c.active).where(
    _USERS.c.username == bindparam("username")
)


def actor(session: Session, username: str):
    """The acting user's role and area (a light row for the write path)."""
    row = session.execute(_ACTOR, {"username": username}).first()
    if row is None or not row.active:
        raise NotPermitted("用户不存在或已停用")
    return row


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_api_token(user: User) -> str:
    """A new API token; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = token_hash(token)
    return token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
