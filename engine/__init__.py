"""Jiuzhu's domain core: deploy versioned specs, run cases on SpiffWorkflow, inbox, timers, audit.

Nothing in this package imports Flask. Start with `Engine.open(url)`; see README.md for the API.
"""

from engine.errors import (
    Conflict,
    DomainError,
    FieldError,
    LintFailed,
    NotFound,
    NotPermitted,
    ValidationFailed,
)
from engine.facade import Engine

__all__ = [
    "Conflict",
    "DomainError",
    "Engine",
    "FieldError",
    "LintFailed",
    "NotFound",
    "NotPermitted",
    "ValidationFailed",
]
