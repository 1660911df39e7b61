"""Who may work, act on and read which case: by role and by area (the user's area code is a
prefix of the case's)."""

from __future__ import annotations

from engine.vocabulary import CASE_WORKER_ROLES, Role

# Roles that read every case of their county and act on none.
READ_ALL_ROLES = (Role.AUDITOR, Role.PROCESS_OWNER)


def may_work_in(user, area_code: str) -> bool:
    """A case lies within the user's area when the user's code is a prefix of the case's."""
    return area_code.startswith(user.area_code)


def may_act_on(user, role: str, area_code: str) -> bool:
    return user.role == role and Role(user.role) in CASE_WORKER_ROLES and may_work_in(user, area_code)


def may_read_case(user, case) -> bool:
    """Auditors and process owners read their county; case workers every case of their area,
    whoever holds the current task."""
    if Role(user.role) in READ_ALL_ROLES:
        return case.county_code == user.area_code[:6]
    return may_work_in(user, case.area_code)
