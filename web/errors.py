"""Engine errors and HTTP errors as pages (or, under /api/, as problem details)."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from psycopg import errors as pg_errors
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import InternalServerError

from engine import logs, metrics
from engine.errors import DomainError, NotPermitted, ValidationFailed
from web import observability
from web.api.problems import problem, problem_response, status_of

log = logging.getLogger("jiuzhu.access")
# PostgreSQL's answers that mean "try again": nothing of the transaction was applied.
RETRYABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, pg_errors.LockNotAvailable)
HTTP_ERRORS = {
    400: ("请求有误", "请求的格式不正确，请返回检查后重试。"),
    404: ("未找到", "没有这个页面。"),
    405: ("方法不允许", "该地址不支持此请求方法。"),
    413: ("文件过大", "上传内容超过大小限制（单个附件不超过 10 MB）。"),
}


def page(code: int, title: str, message: str, case_no: str | None = None):
    return render_template("error.html", code=code, title=title, message=message, case_no=case_no), code


def _for_api() -> bool:
    return request.path.startswith("/api/")


def refused(error: NotPermitted) -> None:
    """A refused read or action: counted and logged for the operator (who, where, why)."""
    metrics.instruments().access_refused.labels("api" if _for_api() else "page").inc()
    logs.event(
        log,
        "access_refused",
        logging.WARNING,
        error.message,
        method=request.method,
        route=request.url_rule.rule if request.url_rule is not None else request.path,
        user=observability.username(),
        remote=request.remote_addr,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if isinstance(error, NotPermitted):
            refused(error)
        if _for_api():
            return problem(error)
        code, title = status_of(error)
        message = error.message
        if isinstance(error, ValidationFailed) and error.errors:  # say which field, as the API does
            message = "；".join(e.message for e in error.errors)
        return page(code, title, message, getattr(error, "case_no", None))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return page(400, "页面已过期", "表单已过期或来源不明，请返回刷新页面后重新提交。")

    def http_error(error):
        title, message = HTTP_ERRORS[error.code]
        if _for_api():
            return problem_response(error.code, title, message.rstrip("。"))
        return page(error.code, title, message)

    for code in HTTP_ERRORS:
        app.register_error_handler(code, http_error)

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError):
        """A deadlock or a lock wait given up (PostgreSQL): the unit of work rolled back, nothing was
        applied; the user may simply send it again. Anything else about the database is a 500."""
        if not isinstance(getattr(error, "orig", None), RETRYABLE):
            raise error
        logs.event(
            log,
            "database_retry",
            logging.WARNING,
            type(error.orig).__name__,
            method=request.method,
            route=request.url_rule.rule if request.url_rule is not None else request.path,
            user=observability.username(),
        )
        title, message = "系统繁忙", "同一案件正被同时处理，本次操作未保存，请稍后重新提交。"
        if _for_api():
            return problem_response(409, title, message.rstrip("。"), code="retry")
        return page(409, title, message)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        """Our bug, not the user's: Flask has logged the traceback (with this request's id, see
        engine.logs); the user gets the id to quote and nothing of the internals."""
        reference = observability.request_id()
        title, message = "服务器内部错误", "服务器处理请求时出错，您填写的内容可能未保存，请稍后重试。"
        if _for_api():
            return problem_response(500, title, f"{message}（请求编号 {reference}）", code="server_error")
        try:
            return page(500, title, message)
        except Exception:  # the layout itself failed (database gone): plain words still reach the user
            log.exception("error page failed")
            return Response(f"{title}：{message}请求编号 {reference}", 500, mimetype="text/plain")
