"""The 支出型 case details (002 §二(二)3–6) through the JSON API and the residents' online form: what
an application records for its case is accepted, a type the county has not listed is refused field
by field, and the online form offers exactly the county's list."""

from __future__ import annotations

import lxml.html

from tests.web.conftest import Visitor
from tests.web.forms_data import as_form
from tests.web.journeys import DONG, application, form_data, task_named
from tests.web.test_api import api  # noqa: F401  (the fixture)


def test_the_api_accepts_the_medical_costs_and_the_case_holds_the_self_pay(api, eng):  # noqa: F811
    response = api(
        "POST",
        "/api/v1/public/applications",
        user=None,
        json={"application": application("medical_expense", serial=71), "area_code": DONG},
    )
    assert response.status_code == 201
    case_no = response.json["case_no"]
    task = task_named(eng, case_no, "受理审查")
    done = api(
        "POST",
        f"/api/v1/tasks/{task.task_id}/complete",
        json={"data": form_data("intake-review.schema.json")},
    )
    assert done.status_code == 200
    data = eng.case_view(case_no).data
    assert data["medical_self_pay"] == 12000 and data["category_case"] == "case_3"


def test_the_api_refuses_a_hardship_type_the_county_has_not_listed(api):  # noqa: F811
    app = application("other_hardship", serial=72)
    app["other_hardship_type"] = "因炒股亏损生活困难"
    response = api("POST", "/api/v1/cases", json={"application": app, "area_code": DONG})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    [error] = [e for e in response.json["errors"] if e["path"] == "other_hardship_type"]
    assert "不在本县人民政府规定的其他特殊困难类型中" in error["message"]


def test_the_online_form_offers_the_countys_types_and_takes_the_education_details(app, eng):
    eng.set_parameters("639001", {"other_hardship_types": ["因子女失学辍学导致基本生活暂时困难"]}, by="owner")
    resident = Visitor(app)
    page = lxml.html.fromstring(resident.get("/gongzhong/shenqing").get_data(as_text=True))
    offered = [
        o.get("value") for o in page.xpath('//select[@name="other_hardship_type"]/option') if o.get("value")
    ]
    assert offered == ["因子女失学辍学导致基本生活暂时困难"]
    posted = resident.post(
        "/gongzhong/shenqing", as_form(application("education_expense", serial=73)) | {"area_code": DONG}
    )
    assert posted.status_code == 200 and "申请已提交" in posted.get_data(as_text=True)
    [case] = eng.prior_cases(application(serial=73)["applicant"]["id_number"])
    assert eng.case_view(case["case_no"]).data["education"]["level"] == "senior_high"


def test_the_api_form_lists_the_countys_types_when_asked_for_its_county(api, eng):  # noqa: F811
    eng.set_parameters("639001", {"other_hardship_types": ["因灾返贫"]}, by="owner")

    def offered(url):
        field = api("GET", url, user=None).json["properties"]["other_hardship_type"]
        return [o["const"] for o in field["oneOf"]]

    assert offered("/api/v1/public/forms/application?county=639001") == ["因灾返贫"]
    assert "因灾返贫" not in offered("/api/v1/public/forms/application")  # the shipped defaults
    assert "因灾返贫" not in offered("/api/v1/public/forms/application?county=x' or 1=1")
