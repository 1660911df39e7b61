"""Logging for operators: one JSON object a line on stderr (journald and log shippers read it), the
request id of the current request on every line written while serving it, and named events.

`event(log, "incident", case_no=…)` writes a line whose `event` field an operator filters on:
request, incident, timer_late, access_refused, job_failed, … (docs/deploy.md lists them).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID: ContextVar[str | None] = ContextVar("jiuzhu_request_id", default=None)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "fields"}
_make_record = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    """Every log record carries the request id current when it was made (not when it is written)."""
    record = _make_record(*args, **kwargs)
    record.request_id = REQUEST_ID.get()
    return record


logging.setLogRecordFactory(_record_with_request_id)


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        line.update(getattr(record, "fields", None) or {})
        line.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and k != "request_id"})
        if record.exc_info:
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = dict(getattr(record, "fields", None) or {})
        request_id = getattr(record, "request_id", None)
        if request_id:
            fields.setdefault("request_id", request_id)
        return text + ("  " + " ".join(f"{k}={v}" for k, v in fields.items()) if fields else "")


def setup(fmt: str | None = None, level: str | None = None) -> None:
    """Configure the root logger from JIUZHU_LOG_FORMAT / JIUZHU_LOG_LEVEL, unless something already
    did (gunicorn's logconfig_dict in `jiuzhu serve`, pytest): like logging.basicConfig."""
    root = logging.getLogger()
    level = (level or os.environ.get("JIUZHU_LOG_LEVEL") or "INFO").upper()
    # SpiffWorkflow logs every task's state change at INFO (~175 lines for `seed-demo`): only its
    # warnings, unless the operator asks for DEBUG.
    logging.getLogger("spiff").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    if root.handlers:
        return
    fmt = (fmt or os.environ.get("JIUZHU_LOG_FORMAT") or "json").lower()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TextFormatter() if fmt == "text" else JSONFormatter())
    root.addHandler(handler)
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")


def event(
    log: logging.Logger, name: str, level: int = logging.INFO, message: str | None = None, **fields
) -> None:
    """An event worth an operator's eye, with its fields as JSON keys."""
    log.log(level, message or name, extra={"fields": {"event": name, **fields}})
