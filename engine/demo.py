"""Demo data for a newcomer's first run: the 示范县 areas, a user of every role, a few cases."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from engine.errors import Conflict, DomainError
from engine.facade import Engine

log = logging.getLogger(__name__)

DEMO_PASSWORD = "jiuzhu-demo"
AREAS = [
    ("63", "示范省", None),
    ("6390", "示范市", "63"),
    ("639001", "示范县", "6390"),
    ("639001001", "城关镇", "639001"),
    ("639001002", "青山乡", "639001"),
    ("639001001001", "东村", "639001001"),
    ("639001001002", "西村", "639001001"),
    ("639001002001", "南村", "639001002"),
]
USERS = [
    ("village_dong", "东村 村委 王村干", "village", "639001001001"),
    ("village_nan", "南村 村委 赵村干", "village", "639001002001"),
    ("town_chengguan", "城关镇 民政 李经办", "township", "639001001"),
    ("town_qingshan", "青山乡 民政 陈经办", "township", "639001002"),
    ("county_mz", "县民政局 周科长", "county", "639001"),
    ("county_gov", "县人民政府 吴副县长", "county_gov", "639001"),
    ("coord_sec", "县协调机制 孙秘书", "coordination", "639001"),
    ("process_owner", "流程管理员 钱工", "process_owner", "639001"),
    ("auditor", "审计 郑审计", "auditor", "639001"),
    ("city_mz", "市民政局 冯科长", "city", "6390"),
    ("province_mz", "省民政厅 褚处长", "province", "63"),
]
APPLICATIONS_FILE = Path(__file__).with_name("demo_applications.json")


def seed(eng: Engine, with_cases: bool = True) -> dict:
    """Idempotent: areas and users are added once; cases only when the database has none yet."""
    for code, name, parent in AREAS:
        eng.add_area(code, name, parent)
    added = 0
    for username, display, role, area in USERS:
        try:
            eng.add_user(username, display, role, area, password=DEMO_PASSWORD)
            added += 1
        except Conflict:
            pass
    started = []
    if with_cases and added:
        for item in json.loads(APPLICATIONS_FILE.read_text(encoding="utf-8")):
            try:
                ref = eng.start_case(
                    item["application"],
                    item["area_code"],
                    by=item.get("by"),
                    channel=item.get("channel", "window"),
                )
                _advance(eng, ref.case_no, item.get("steps", []))
                started.append(ref.case_no)
            except DomainError as err:
                log.warning("demo case not started or advanced: %s %s", err, getattr(err, "errors", ""))
    return {"users_added": added, "cases_started": started}


def _advance(eng: Engine, case_no: str, steps: list) -> None:
    """Complete the named tasks as the demo user of the task's role whose area holds the case."""
    for task_name, data in steps:
        task = next(t for t in eng.open_tasks(case_no) if t.name == task_name)
        username = next(
            u for u, _name, role, area in USERS if role == task.role and task.area_code.startswith(area)
        )
        eng.complete(username, task.task_id, data)
