"""受理: a clerk starting an application — who may, on which form, through which channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine import forms, parameters
from engine.areas import area_level
from engine.errors import FieldError, NotPermitted, ValidationFailed
from engine.services import signin
from engine.services.cases import CaseRef
from engine.vocabulary import Role

if TYPE_CHECKING:
    from engine.facade import Engine

# How the application came in (engine.vocabulary.CHANNELS), from the form's 申请方式 and the clerk's role.
# The case's channel follows the application's 申请方式, so the case page says what the form said.
SUBMITTER_CHANNELS = {
    "self": "window",
    "agent": "proxy",
    "village_worker": "visit",
    "monitoring_platform": "warning",
}


def start_form(eng: Engine, county_code: str | None = None) -> dict:
    """The application form (JSON Schema) of the version new cases start on, with the county's lists
    (`x-enum-param`) in force now; without a county, the shipped defaults."""
    with eng.db.read() as session:
        _version, loaded = eng.specs.current(session)
        if not loaded.start_form:
            return {"type": "object", "properties": {}}
        schema = loaded.form(loaded.start_form)
        if not forms.parameter_names(schema):
            return schema
        values = (
            parameters.in_force(session, county_code, eng.now()).values
            if county_code
            else parameters.default_values()
        )
        return forms.bind_parameters(schema, values)


def application_errors(eng: Engine, application: dict) -> list[FieldError]:
    """Every field error of an application, so a refusal for another reason can list them all at once."""
    try:
        forms.validate(start_form(eng), application)
    except ValidationFailed as err:
        return list(err.errors)
    return []


def start_application(
    eng: Engine, username: str, application: dict, area_code: str, idempotency_key: str | None = None
) -> CaseRef:
    """A village worker or the township window registers an application for a resident of a village
    within their area (village tasks later go to that village's worker)."""
    account = signin.account(eng, username)
    if account is None or not account.may_apply:
        raise NotPermitted("您的岗位不受理临时救助申请")
    if area_level(area_code or "") != "village" or not area_code.startswith(account.area_code):
        raise ValidationFailed(
            [
                FieldError("area_code", "所在村（社区）：请选择您辖区内的村（社区）"),
                *application_errors(eng, application),
            ]
        )
    default = "proxy" if account.role == Role.VILLAGE else "window"
    channel = SUBMITTER_CHANNELS.get(application.get("submitted_by"), default)
    return eng.start_case(
        application, area_code, by=username, channel=channel, idempotency_key=idempotency_key
    )
