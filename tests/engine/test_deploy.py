"""Deploy: lint, immutable versions by content hash, cases keep the version they started on."""

from __future__ import annotations

import shutil

import pytest

from engine import Engine, LintFailed
from engine.workflow.lint import lint
from engine.workflow.specs import SpecFiles
from tests.conftest import MINI, VILLAGE_A1, seed_people


@pytest.fixture
def mini_copy(tmp_path):
    target = tmp_path / "specs"
    shutil.copytree(MINI, target)
    return target


def _problems(folder) -> list[str]:
    return [
        str(p) for p in lint(SpecFiles.from_dirs(folder / "bpmn", folder / "forms")) if p.severity == "error"
    ]


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_redeploying_unchanged_files_is_a_no_op(sqlite_url):
    eng = Engine.open(sqlite_url)
    first = eng.deploy(MINI / "bpmn", MINI / "forms")
    again = eng.deploy(MINI / "bpmn", MINI / "forms")
    assert first.created and not again.created
    assert again.version_id == first.version_id and again.content_hash == first.content_hash
    assert len(eng.versions()) == 1


def test_a_running_case_stays_on_its_version(sqlite_url, mini_copy, applicant):
    eng = Engine.open(sqlite_url)
    v1 = eng.deploy(mini_copy / "bpmn", mini_copy / "forms")
    seed_people(eng)
    old = eng.start_case({"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a")
    _edit(mini_copy / "bpmn" / "mini.bpmn", 'name="受理审查"', 'name="受理审查（新版）"')
    v2 = eng.deploy(mini_copy / "bpmn", mini_copy / "forms")
    assert v2.created and v2.version_id != v1.version_id
    new = eng.start_case({"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a")
    assert eng.open_tasks(old.case_no)[0].name == "受理审查"
    assert eng.open_tasks(new.case_no)[0].name == "受理审查（新版）"
    eng.complete("town_a", eng.open_tasks(old.case_no)[0].task_id, {"amount": 10})
    assert eng.case_view(old.case_no).spec_version_id == v1.version_id
    assert {v["id"]: v["cases"] for v in eng.versions()} == {v1.version_id: 1, v2.version_id: 1}


def test_the_shipped_mini_specs_pass_lint(mini_copy):
    assert _problems(mini_copy) == []


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ('value="review.schema.json"', 'value="missing.schema.json"', "表单 missing.schema.json 不存在"),
        ('name="县级民政部门"', 'name="财政局"', "泳道“财政局”不对应任何角色"),
        ("record_payment(amount, 'cash')", "import os\nrecord_payment(amount, 'cash')", "不允许 import"),
        ("ratio = 100 / divisor", "ratio = open('/etc/passwd').read()", "不允许使用 open"),
        ("ratio = 100 / divisor", "ratio = amount.__class__", 'starts with "_"'),
        ("amount &lt;= param('township_pay_first_limit')", "().__class__.__bases__", 'starts with "_"'),
        ('id="Review"', 'id="Start"', "元素标识 Start 为引擎保留"),
    ],
)
def test_lint_refuses_what_breaks_the_rules(mini_copy, old, new, expected):
    _edit(mini_copy / "bpmn" / "mini.bpmn", old, new)
    problems = _problems(mini_copy)
    assert any(expected in p for p in problems), problems


def test_lint_refuses_a_form_that_is_not_a_valid_schema(mini_copy):
    _edit(mini_copy / "forms" / "review.schema.json", '"type": "integer"', '"type": "money"')
    assert any("review.schema.json" in p and "Draft 2020-12" in p for p in _problems(mini_copy))


def test_deploy_refuses_a_diagram_with_forbidden_code_and_stores_nothing(sqlite_url, mini_copy):
    _edit(mini_copy / "bpmn" / "mini.bpmn", "ratio = 100 / divisor", "__import__('os').system('true')")
    eng = Engine.open(sqlite_url)
    with pytest.raises(LintFailed):
        eng.deploy(mini_copy / "bpmn", mini_copy / "forms")
    assert eng.versions() == []


def test_user_tasks_link_forms_the_spiff_arena_way(mini_copy):
    from engine.workflow.specs import load

    loaded = load(SpecFiles.from_dirs(mini_copy / "bpmn", mini_copy / "forms"))
    review = loaded.task_info("temporary_assistance", "Review")
    assert (review.form, review.role, review.lane) == ("review.schema.json", "township", "乡镇(街道)")
    assert loaded.start_form == "application.schema.json"


def test_lint_warns_when_a_county_number_is_written_as_a_constant(mini_copy):
    _edit(
        mini_copy / "bpmn" / "mini.bpmn",
        "amount &lt;= param('township_pay_first_limit')",
        "amount &lt;= 1000",
    )
    _edit(mini_copy / "bpmn" / "mini.bpmn", "days(param('publicity_days'))", "'P7D'")
    warnings = [
        str(p)
        for p in lint(SpecFiles.from_dirs(mini_copy / "bpmn", mini_copy / "forms"))
        if p.severity == "warning"
    ]
    assert any("F_within" in w and "常数 1000" in w for w in warnings), warnings
    assert any("Publicity" in w and "'P7D'" in w for w in warnings), warnings
