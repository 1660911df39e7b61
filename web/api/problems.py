"""Errors of the JSON API as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from flask import Response, json

from engine.errors import Conflict, DomainError, NotFound, NotPermitted, ValidationFailed
from engine.services.signin import TooManyAttempts

PROBLEM_TYPE = "https://jiuzhu.example/problems/"
STATUS = [
    (NotFound, 404, "未找到"),
    (NotPermitted, 403, "无权操作"),
    (TooManyAttempts, 429, "请稍后再试"),
    (Conflict, 409, "操作冲突"),
    (ValidationFailed, 422, "提交的数据未通过校验"),
    (DomainError, 400, "无法处理"),
]


def problem_response(
    status: int,
    title: str,
    detail: str,
    code: str | None = None,
    errors: list[dict] | None = None,
    headers: dict | None = None,
) -> Response:
    body = {"type": PROBLEM_TYPE + (code or str(status)), "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def status_of(error: DomainError) -> tuple[int, str]:
    """The HTTP status and Chinese title for an engine error (pages and API alike)."""
    return next((code, title) for kind, code, title in STATUS if isinstance(error, kind))


def problem(error: DomainError) -> Response:
    status, title = status_of(error)
    errors = [e.as_dict() for e in error.errors] if isinstance(error, ValidationFailed) else None
    return problem_response(status, title, error.message, error.code, errors)
