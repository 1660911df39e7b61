"""受理: a clerk starting an application — who may, on which form, through which channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine import forms, parameters
from engine.areas import area_level
from engine.errors import FieldError, NotPermitted, ValidationFailed
from engine.services import signin
from engine.services.cases import CaseRef, start_in
from engine.vocabulary import Role

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork

# How the application came in (engine.vocabulary.CHANNELS), from the form's 申请方式 and the clerk's role.
# The case's channel follows the application's 申请方式, so the case page says what the form said.
SUBMITTER_CHANNELS = {
    "self": "window",
    "agent": "proxy",
    "village_worker": "visit",
    "monitoring_platform": "warning",
}


def start_form(uow: UnitOfWork, county_code: str | None = None) -> dict:
    """The application form (JSON Schema) of the version new cases start on, with the county's lists
    (`x-enum-param`) in force now; without a county, the shipped defaults. `uow` may be read-only."""
    with uow:
        return _start_form(uow, county_code)


def _start_form(uow: UnitOfWork, county_code: str | None = None) -> dict:
    _version, loaded = uow.specs.current(uow.session)
    if not loaded.start_form:
        return {"type": "object", "properties": {}}
    schema = loaded.form(loaded.start_form)
    if not forms.parameter_names(schema):
        return schema
    values = (
        parameters.in_force(uow.session, county_code, uow.now()).values
        if county_code
        else parameters.default_values()
    )
    return forms.bind_parameters(schema, values)


def application_errors(uow: UnitOfWork, application: dict) -> list[FieldError]:
    """Every field error of an application, so a refusal for another reason can list them all at once
    (in the caller's unit of work, which may be read-only)."""
    try:
        forms.validate(_start_form(uow), application)
    except ValidationFailed as err:
        return list(err.errors)
    return []


def start_application(
    uow: UnitOfWork, username: str, application: dict, area_code: str, idempotency_key: str | None = None
) -> CaseRef:
    """A village worker or the township window registers an application for a resident of a village
    within their area (village tasks later go to that village's worker): one unit of work."""
    with uow:
        account = signin.active_account(uow.session, username)
        if account is None or not account.may_apply:
            raise NotPermitted("您的岗位不受理临时救助申请")
        if area_level(area_code or "") != "village" or not area_code.startswith(account.area_code):
            raise ValidationFailed(
                [
                    FieldError("area_code", "所在村（社区）：请选择您辖区内的村（社区）"),
                    *application_errors(uow, application),
                ]
            )
        default = "proxy" if account.role == Role.VILLAGE else "window"
        channel = SUBMITTER_CHANNELS.get(str(application.get("submitted_by")), default)
        key = f"{username}:{idempotency_key}" if idempotency_key else None
        ref = start_in(uow, application, area_code, username, channel, key)
        uow.commit()
        return ref
