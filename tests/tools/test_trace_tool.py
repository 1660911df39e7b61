"""tools/trace.py: a clause is ✓ only when an element that does something implements it and a
scenario or a passing invariant checks it; the step 流程经过 matches the process as well as the id."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


trace = load("jiuzhu_trace", "trace.py")

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:documentation>来源：002 §三（C-TEST-ROOT）（C-900-01）</bpmn:documentation>
    <bpmn:startEvent id="S"><bpmn:documentation>来源：002 §三（C-900-02）</bpmn:documentation></bpmn:startEvent>
    <bpmn:userTask id="T" name="决定"><bpmn:documentation>来源：002 §三（C-900-03）；000 §二（C-900-04）</bpmn:documentation></bpmn:userTask>
    <bpmn:exclusiveGateway id="Split" name="额度内？"><bpmn:documentation>来源：004（C-900-05）</bpmn:documentation></bpmn:exclusiveGateway>
    <bpmn:userTask id="A" name="甲" />
    <bpmn:userTask id="B" name="乙" />
    <bpmn:exclusiveGateway id="Join"><bpmn:documentation>来源：002（C-900-06）</bpmn:documentation></bpmn:exclusiveGateway>
    <bpmn:endEvent id="E"><bpmn:documentation>来源：002（C-900-07）</bpmn:documentation></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="T" />
    <bpmn:sequenceFlow id="f2" sourceRef="T" targetRef="Split" />
    <bpmn:sequenceFlow id="fa" sourceRef="Split" targetRef="A">
      <bpmn:documentation>来源：004（C-900-08）</bpmn:documentation>
      <bpmn:conditionExpression>amount &lt;= 1000</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fb" sourceRef="Split" targetRef="B" />
    <bpmn:sequenceFlow id="fa2" sourceRef="A" targetRef="Join" />
    <bpmn:sequenceFlow id="fb2" sourceRef="B" targetRef="Join" />
    <bpmn:sequenceFlow id="f9" sourceRef="Join" targetRef="E" />
  </bpmn:process>
</bpmn:definitions>
"""
FEATURE = """# language: zh-CN
功能: 测试
  # 来源：002 §三（C-900-01）
  背景:
    假如示范县的临时救助流程已部署

  # 来源：002 §三（C-900-03）
  场景: 甲
    当某人办理"决定"
    # 来源：004（C-900-05）
    那么流程经过"甲"

  场景: 乙
    当某人办理"决定"
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "bpmn").mkdir()
    (tmp_path / "features").mkdir()
    (tmp_path / "bpmn" / "p.bpmn").write_text(DIAGRAM.replace("（C-TEST-ROOT）", ""), encoding="utf-8")
    (tmp_path / "features" / "x.feature").write_text(FEATURE, encoding="utf-8")
    catalogue = [
        {
            "id": f"C-900-0{i}",
            "source": "002 §三",
            "topic": f"条款{i}",
            "rule": "",
            "outcome": "",
            "parameter": None,
        }
        for i in range(1, 10)
    ]
    (tmp_path / "clauses.json").write_text(json.dumps(catalogue, ensure_ascii=False), encoding="utf-8")
    invariant = trace.invariants.Invariant("INV-T1", "测试不变式", ("C-900-04", "C-900-09"), lambda h: [])
    failing = trace.invariants.Invariant("INV-T2", "已知失败", ("C-900-08",), lambda h: [])
    monkeypatch.setattr(trace.invariants, "INVARIANTS", [invariant, failing])
    monkeypatch.setattr(trace.invariants, "EXPECTED_FAILURES", {"INV-T2": "模型尚未修正"})
    return tmp_path


def run(project: Path, capsys, *extra: str) -> tuple[int, dict[str, str]]:
    code = trace.main(
        [
            "--clauses",
            str(project / "clauses.json"),
            "--bpmn",
            str(project / "bpmn"),
            "--features",
            str(project / "features"),
            *extra,
        ]
    )
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith(("✓", "✗"))}
    return code, lines


def test_a_clause_needs_an_implementing_element_and_a_check(project, capsys):
    code, lines = run(project, capsys)
    assert code == 1  # some ✗
    assert lines["C-900-03"].startswith("✓")  # the task implements it, the scenario checks it
    assert lines["C-900-04"].startswith("✓")  # the task implements it, an invariant checks it
    assert lines["C-900-05"].startswith("✓")  # a diverging gateway; the comment between the steps
    assert "p#T 决定" in lines["C-900-03"] and "x.feature「甲」" in lines["C-900-03"]
    assert lines["C-900-09"].startswith("✗") and "缺实现元素" in lines["C-900-09"]  # only checked


def test_start_and_end_events_joins_and_process_roots_do_not_implement(project, capsys):
    _code, lines = run(project, capsys)
    for clause, why in (
        ("C-900-01", "流程根"),
        ("C-900-02", "开始事件"),
        ("C-900-06", "汇合网关"),
        ("C-900-07", "结束事件"),
    ):
        assert lines[clause].startswith("✗"), lines[clause]
        assert why in lines[clause], lines[clause]


def test_a_background_comment_checks_nothing(project, capsys):
    _code, lines = run(project, capsys)
    assert "背景" not in lines["C-900-01"] and "检查 0" in lines["C-900-01"]


def test_an_invariant_known_to_fail_checks_nothing(project, capsys):
    _code, lines = run(project, capsys)
    assert lines["C-900-08"].startswith("✗")  # the conditioned flow implements it ...
    assert "p#fa" in lines["C-900-08"] and "已知失败" in lines["C-900-08"]  # ... the invariant fails


def test_all_clauses_traced_exits_0(project, capsys, monkeypatch):
    catalogue = [
        {
            "id": "C-900-03",
            "source": "002 §三",
            "topic": "决定",
            "rule": "",
            "outcome": "",
            "parameter": None,
        },
        {"id": "C-900-04", "source": "000", "topic": "乙", "rule": "", "outcome": "", "parameter": None},
        {"id": "C-900-05", "source": "004", "topic": "额度", "rule": "", "outcome": "", "parameter": None},
    ]
    (project / "clauses.json").write_text(json.dumps(catalogue, ensure_ascii=False), encoding="utf-8")
    (project / "bpmn" / "p.bpmn").write_text(
        DIAGRAM.replace("（C-900-01）", "")
        .replace("（C-900-02）", "")
        .replace("（C-900-06）", "")
        .replace("（C-900-07）", "")
        .replace("（C-900-08）", "")
        .replace("（C-TEST-ROOT）", ""),
        encoding="utf-8",
    )
    (project / "features" / "x.feature").write_text(FEATURE.replace("（C-900-01）", ""), encoding="utf-8")
    only = trace.invariants.Invariant("INV-T1", "测试不变式", ("C-900-04",), lambda h: [])
    monkeypatch.setattr(trace.invariants, "INVARIANTS", [only])
    code, lines = run(project, capsys)
    assert code == 0, lines
    assert all(line.startswith("✓") for line in lines.values())


def test_an_unknown_clause_id_is_an_error(project, capsys):
    (project / "bpmn" / "p.bpmn").write_text(
        DIAGRAM.replace("（C-TEST-ROOT）", "（C-999-99）"), encoding="utf-8"
    )
    code, _lines = run(project, capsys)
    assert code == 2


def test_the_real_catalogue_is_read_and_every_clause_gets_a_line(capsys):
    code = trace.main([])
    out = capsys.readouterr().out
    catalogue = json.loads(trace.find_clauses(None).read_text(encoding="utf-8"))
    marks = [line for line in out.splitlines() if line.startswith(("✓", "✗"))]
    assert len(marks) == len(catalogue) == len({line.split()[1] for line in marks})
    assert code in (0, 1)


def test_the_scenario_step_matches_the_process_as_well_as_the_element():
    sys.path.insert(0, str(ROOT / "features"))
    import bdd_support

    pairs = bdd_support.element_names()["书面告知不予救助"]
    assert {process for process, _element in pairs} >= {"emergency_aid", "major_hardship"}
    assert {element for _process, element in pairs} == {"Script_Refuse"}


def test_a_default_branch_implements_but_a_gateway_that_does_not_diverge_does_not(project, capsys):
    diagram = (
        DIAGRAM.replace("（C-TEST-ROOT）", "")
        .replace(
            '<bpmn:exclusiveGateway id="Split" name="额度内？">',
            '<bpmn:exclusiveGateway id="Split" name="额度内？" default="fb">',
        )
        .replace(
            '<bpmn:sequenceFlow id="fb" sourceRef="Split" targetRef="B" />',
            '<bpmn:sequenceFlow id="fb" sourceRef="Split" targetRef="B"><bpmn:documentation>来源：004（C-900-09）</bpmn:documentation></bpmn:sequenceFlow>',
        )
        .replace(
            '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="T" />',
            '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Pass" />'
            '<bpmn:exclusiveGateway id="Pass"><bpmn:documentation>来源：002（C-900-02）</bpmn:documentation></bpmn:exclusiveGateway>'
            '<bpmn:sequenceFlow id="f1b" sourceRef="Pass" targetRef="T" />',
        )
    )
    (project / "bpmn" / "p.bpmn").write_text(diagram, encoding="utf-8")
    _code, lines = run(project, capsys)
    assert lines["C-900-09"].startswith("✓") and "p#fb" in lines["C-900-09"]  # the otherwise branch
    assert lines["C-900-02"].startswith("✗") and "不分支的网关" in lines["C-900-02"]


def test_a_comment_above_a_tagged_scenario_checks_that_scenario(project, capsys):
    feature = FEATURE.replace("  场景: 乙\n", "  # 来源：004（C-900-02）\n  @slow\n  场景: 乙\n")
    (project / "features" / "x.feature").write_text(feature, encoding="utf-8")
    _code, lines = run(project, capsys)
    assert "x.feature「乙」" in lines["C-900-02"] and "x.feature「甲」" not in lines["C-900-02"]


def test_fewer_traced_clauses_than_the_floor_fails(project, capsys, tmp_path):
    floor = tmp_path / "floor.txt"
    floor.write_text("3\n", encoding="utf-8")  # the fixture traces C-900-03, -04, -05
    code, _lines = run(project, capsys, "--floor", str(floor))
    assert code == 1  # at the floor: the ✗ are reported, the build goes on
    floor.write_text("4\n", encoding="utf-8")
    code = trace.main(
        [
            "--clauses",
            str(project / "clauses.json"),
            "--bpmn",
            str(project / "bpmn"),
            "--features",
            str(project / "features"),
            "--floor",
            str(floor),
        ]
    )
    assert code == 3
    assert "追溯倒退" in capsys.readouterr().out


def test_the_committed_floor_is_met_by_the_repository(capsys):
    floor = int((ROOT / "tools" / "trace_floor.txt").read_text(encoding="utf-8"))
    code = trace.main(["--floor", str(ROOT / "tools" / "trace_floor.txt")])
    out = capsys.readouterr().out
    assert code in (0, 1), out.splitlines()[-1]
    assert int(out.strip().splitlines()[-1].split("/")[0]) >= floor
