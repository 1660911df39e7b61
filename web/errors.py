"""Engine errors and HTTP errors as pages (or, under /api/, as problem details)."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

from engine import logs, metrics
from engine.errors import DomainError, NotPermitted
from web import observability
from web.api.problems import problem, problem_response, status_of

log = logging.getLogger("jiuzhu.access")
HTTP_ERRORS = {
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
        return page(code, title, error.message, getattr(error, "case_no", None))

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
