"""The engine and the signed-in account of the current request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_login import current_user

from engine import Engine
from engine.services.attachments import AttachmentStore
from engine.services.signin import Account


@dataclass(frozen=True)
class Jiuzhu:
    engine: Engine
    attachments: AttachmentStore


def engine() -> Engine:
    return current_app.extensions["jiuzhu"].engine


def attachments() -> AttachmentStore:
    return current_app.extensions["jiuzhu"].attachments


def me() -> Account:
    """The signed-in account (routes that call this are behind login_required)."""
    return current_user.account


def remote() -> str:
    return request.remote_addr or "unknown"
