"""Where the release's files are: the process files (bpmn/, forms/, features/) and the writable
instance folder. From the environment, else the source checkout, so that an installed package (no
checkout beside it) is pointed at its release folder with JIUZHU_HOME."""

from __future__ import annotations

import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def home() -> Path:
    """The folder holding bpmn/, forms/ and features/: $JIUZHU_HOME, else the source checkout, else
    the current folder."""
    if os.environ.get("JIUZHU_HOME"):
        return Path(os.environ["JIUZHU_HOME"]).resolve()
    if (CHECKOUT / "bpmn").is_dir():
        return CHECKOUT
    return Path.cwd()


def bpmn_dir() -> Path:
    return home() / "bpmn"


def forms_dir() -> Path:
    return home() / "forms"


def features_dir() -> Path:
    return home() / "features"


def instance_dir() -> Path:
    """Writable: the SQLite file, the development secret key, attachments, exports."""
    if os.environ.get("JIUZHU_INSTANCE_DIR"):
        return Path(os.environ["JIUZHU_INSTANCE_DIR"]).resolve()
    return home() / "instance"


def exports_dir() -> Path:
    """Where the worker writes ledger exports for the web to send (shared by every host)."""
    if os.environ.get("JIUZHU_EXPORTS_DIR"):
        return Path(os.environ["JIUZHU_EXPORTS_DIR"]).resolve()
    return instance_dir() / "exports"
