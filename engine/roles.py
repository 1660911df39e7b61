"""Roles and the BPMN lanes that map to them (../shared/design/README.md, 'Who works where')."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"
    COUNTY_GOV = "county_gov"
    COORDINATION = "coordination"
    PROCESS_OWNER = "process_owner"
    AUDITOR = "auditor"


ROLE_TITLES: dict[Role, str] = {
    Role.VILLAGE: "村(社区)工作人员",
    Role.TOWNSHIP: "乡镇(街道)经办人",
    Role.COUNTY: "县级民政部门",
    Role.COUNTY_GOV: "县人民政府",
    Role.COORDINATION: "县级协调机制秘书",
    Role.PROCESS_OWNER: "流程管理员",
    Role.AUDITOR: "审计",
}

# Lane names as they appear in the diagrams; the role code itself is accepted as well.
LANE_ROLES: dict[str, Role] = {
    "村(社区)": Role.VILLAGE,
    "乡镇(街道)": Role.TOWNSHIP,
    "县级民政部门": Role.COUNTY,
    "县人民政府": Role.COUNTY_GOV,
    "县级协调机制": Role.COORDINATION,
}

# Roles that work cases (hold lanes); the others only read or administer.
CASE_WORKER_ROLES = frozenset(LANE_ROLES.values())


def role_for_lane(lane: str | None) -> Role | None:
    if lane is None:
        return None
    lane = lane.strip().replace("（", "(").replace("）", ")")
    if lane in LANE_ROLES:
        return LANE_ROLES[lane]
    try:
        role = Role(lane)
    except ValueError:
        return None
    return role if role in CASE_WORKER_ROLES else None


def area_level(code: str) -> str:
    """Area codes nest by prefix: county 6 digits, township 9, village 12."""
    return {6: "county", 9: "township", 12: "village"}.get(len(code), "unknown")


def county_of(area_code: str) -> str:
    return area_code[:6]


def township_of(area_code: str) -> str | None:
    return area_code[:9] if len(area_code) >= 9 else None
