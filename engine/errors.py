"""Typed domain errors, so the web layer can map each to a status code and a Chinese message."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error engine/ raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldError:
    """One failing field: a JSON pointer-like dotted path and a Chinese message naming the field."""

    path: str
    message: str

    def as_dict(self) -> dict:
        return {"path": self.path, "message": self.message}


class ValidationFailed(DomainError):
    """Submitted data broke the task's schema; nothing was changed."""

    code = "validation_failed"

    def __init__(self, errors: list[FieldError], message: str = "提交的数据未通过校验"):
        super().__init__(message)
        self.errors = errors


class Conflict(DomainError):
    """The action raced another one (task already done, claimed by someone else, stale version)."""

    code = "conflict"


class NotPermitted(DomainError):
    """The user's role or area does not allow the action."""

    code = "not_permitted"


class NotFound(DomainError):
    code = "not_found"


class LintFailed(DomainError):
    """Deploy refused: the files in bpmn/ and forms/ break the modelling rules."""

    code = "lint_failed"

    def __init__(self, problems: list):
        super().__init__("流程文件未通过检查：" + "；".join(str(p) for p in problems[:5]))
        self.problems = problems
