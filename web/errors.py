"""Engine errors as pages: not found, not permitted, conflicts, refused forms (CSRF)."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

from engine.errors import Conflict, DomainError, NotFound, NotPermitted, ValidationFailed
from engine.signin import TooManyAttempts
from web.api.problems import problem, problem_response

STATUS = [
    (NotFound, 404, "未找到"),
    (NotPermitted, 403, "无权操作"),
    (TooManyAttempts, 429, "请稍后再试"),
    (Conflict, 409, "操作冲突"),
    (ValidationFailed, 422, "提交的数据未通过校验"),
    (DomainError, 400, "无法处理"),
]


def status_of(error: DomainError) -> tuple[int, str]:
    return next((code, title) for kind, code, title in STATUS if isinstance(error, kind))


def page(code: int, title: str, message: str, case_no: str | None = None):
    return render_template("error.html", code=code, title=title, message=message, case_no=case_no), code


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if request.path.startswith("/api/"):
            return problem(error)
        code, title = status_of(error)
        return page(code, title, error.message, getattr(error, "case_no", None))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return page(400, "页面已过期", "表单已过期或来源不明，请返回刷新页面后重新提交。")

    @app.errorhandler(404)
    def not_found(error):
        if request.path.startswith("/api/"):
            return problem_response(404, "未找到", "没有这个地址")
        return page(404, "未找到", "没有这个页面。")

    @app.errorhandler(405)
    def not_allowed(error):
        if request.path.startswith("/api/"):
            return problem_response(405, "方法不允许", "该地址不支持此请求方法")
        return page(405, "方法不允许", "该地址不支持此请求方法。")

    @app.errorhandler(413)
    def too_large(error):
        if request.path.startswith("/api/"):
            return problem_response(413, "文件过大", "上传内容超过大小限制")
        return page(413, "文件过大", "上传内容超过大小限制（单个附件不超过 10 MB）。")
