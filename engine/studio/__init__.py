"""The process owner's studio (流程管理员): deployed versions and their differences, drafts edited in
the browser, policy-scenario runs against a draft, migration of running cases between versions,
county parameters, and the cases that need someone's attention.

Nothing here imports Flask. `Studio(uow)` is what the web and the tests use (`Engine.studio()`).
"""

from engine.studio.service import Studio

__all__ = ["Studio"]
