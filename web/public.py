"""Residents' pages, no login: 信息公示 with the objection form, apply online, status lookup."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from engine.areas import county_of
from engine.errors import NotFound, ValidationFailed
from engine.services.residents import ONLINE_KINDS
from web import schemaform
from web.applying import application_page
from web.context import attachments, engine, remote

bp = Blueprint("public", __name__, url_prefix="/gongzhong")
# Filled in by residents only in the cases they may apply for; the rest is the window's business.
ONLINE_OMIT = ("reporter", "warning")
ONLINE_SUBMITTERS = ("self", "agent")
OBJECTION_OMIT = ("received_on",)  # the date it arrives, set by engine/
# The resident filling the form in is the applicant (or their agent): the browser may offer their own
# name, phone and address (WCAG 1.3.5). Not at the window, where a clerk types someone else's.
_PERSON = {"name": {"ui:autocomplete": "name"}, "phone": {"ui:autocomplete": "tel"}}
ONLINE_UI = {
    "applicant": _PERSON | {"address": {"ui:autocomplete": "street-address"}},
    "agent": _PERSON,
}
OBJECTION_UI = {"objector_name": {"ui:autocomplete": "name"}, "objector_phone": {"ui:autocomplete": "tel"}}


def _townships():
    return engine().places(level="township")


@bp.get("/")
def home():
    return render_template("public/home.html", townships=_townships())


@bp.get("/gongshi/<township_code>")
def notices(township_code: str):
    township = next((t for t in _townships() if t.code == township_code), None)
    if township is None:
        abort(404)
    return render_template(
        "public/notices.html",
        township=township,
        notices=engine().public_notices(township_code),
        results=engine().public_results(township_code),
    )


@bp.route("/gongshi/<township_code>/<case_no>/yiyi", methods=["GET", "POST"])
def objection(township_code: str, case_no: str):
    eng = engine()
    listed = {n["case_no"]: n for n in eng.public_notices(township_code)}
    if case_no not in listed:
        abort(404)
    schema = eng.objection_schema(case_no)
    if request.method == "GET":
        return _render_objection(schema, {}, {}, township_code, listed[case_no])
    data = schemaform.parse(schema, request.form, omit=OBJECTION_OMIT)
    try:
        eng.submit_objection(case_no, data, remote())
    except ValidationFailed as err:
        return _render_objection(
            schema, data, schemaform.errors_by_path(err.errors), township_code, listed[case_no]
        ), 422
    return render_template("public/objection_done.html", township_code=township_code, notice=listed[case_no])


def _render_objection(schema, data, errors, township_code, notice):
    view = schemaform.view(schema, data, errors, OBJECTION_UI, omit=OBJECTION_OMIT)
    return render_template("public/objection.html", view=view, township_code=township_code, notice=notice)


@bp.route("/shenqing", methods=["GET", "POST"])
def apply():
    eng = engine()
    villages = eng.places(level="village")
    counties = {county_of(v.code) for v in villages}
    return application_page(
        "public/apply.html",
        # the county's own lists (情形6's types) when the site serves one county; else the defaults
        _online_schema(eng.start_form(counties.pop() if len(counties) == 1 else None)),
        villages,
        start=lambda data, area, key, uploads: eng.apply_online(
            data, area, idempotency_key=key, uploads=uploads, store=attachments(), remote_addr=remote()
        ),
        done=lambda ref: render_template("public/applied.html", case_no=ref.case_no),
        omit=ONLINE_OMIT,
        initial={"submitted_by": "self"},
        ui=ONLINE_UI,
        uploads={kind: attachments().kinds[kind] for kind in ONLINE_KINDS},
        townships={t.code: t.name for t in _townships()},
    )


def _online_schema(schema: dict) -> dict:
    """The application form as a resident sees it: 申请方式 offers only 本人申请 and 委托代为申请."""
    shown = dict(schema)
    props = dict(shown.get("properties") or {})
    if "submitted_by" in props:
        field = dict(props["submitted_by"])
        field["oneOf"] = [o for o in field.get("oneOf", []) if o.get("const") in ONLINE_SUBMITTERS]
        props["submitted_by"] = field
    shown["properties"] = props
    return shown


@bp.route("/chaxun", methods=["GET", "POST"])
def status():
    if request.method == "GET":  # from 查询进度 after applying, the case number comes along
        return render_template("public/status.html", case_no=(request.args.get("case_no") or "").strip()[:32])
    case_no, id_number = request.form.get("case_no", ""), request.form.get("id_number", "")
    try:
        found = engine().public_status(case_no, id_number, remote())
    except NotFound as err:
        return render_template("public/status.html", error=err.message, case_no=case_no), 404
    return render_template("public/status.html", found=found, case_no=case_no)
