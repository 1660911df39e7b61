"""Requests retried with the same idempotency key while the first is still running.

Both transactions see no stored result, both do the work, and the loser's insert of the key fails
on its primary key when the winner commits. Its whole transaction has rolled back by then, so
running the action once more is safe and finds the winner's stored result, which it replays.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

Result = TypeVar("Result")


def replay_after_race(action: Callable[..., Result]) -> Callable[..., Result]:
    """Run `action`; if it lost a race on a unique key (IntegrityError), run it once more, when the
    winner's committed row answers it (another cause fails the same way again and is raised)."""

    @wraps(action)
    def run(*args, **kwargs) -> Result:
        try:
            return action(*args, **kwargs)
        except IntegrityError:
            return action(*args, **kwargs)

    return run
