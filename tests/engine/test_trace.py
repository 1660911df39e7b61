"""The trace of reached elements and flows (case diagram, process coverage) is exact at joins."""

from __future__ import annotations

import json

from engine import Engine
from tests.conftest import VILLAGE_A1, seed_people

FORK_JOIN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="t">
  <bpmn:process id="temporary_assistance" isExecutable="true">
    <bpmn:laneSet id="L"><bpmn:lane id="L1" name="乡镇(街道)">
      <bpmn:flowNodeRef>A</bpmn:flowNodeRef><bpmn:flowNodeRef>B</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="S"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="Fork"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>fa</bpmn:outgoing><bpmn:outgoing>fb</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="A" name="甲"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="any.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>fa</bpmn:incoming><bpmn:outgoing>fa2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="B" name="乙"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="any.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>fb</bpmn:incoming><bpmn:outgoing>fb2</bpmn:outgoing></bpmn:userTask>
    <bpmn:parallelGateway id="Join"><bpmn:incoming>fa2</bpmn:incoming><bpmn:incoming>fb2</bpmn:incoming>
      <bpmn:outgoing>f9</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:endEvent id="E"><bpmn:incoming>f9</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="S" targetRef="Fork" />
    <bpmn:sequenceFlow id="fa" sourceRef="Fork" targetRef="A" />
    <bpmn:sequenceFlow id="fb" sourceRef="Fork" targetRef="B" />
    <bpmn:sequenceFlow id="fa2" sourceRef="A" targetRef="Join" />
    <bpmn:sequenceFlow id="fb2" sourceRef="B" targetRef="Join" />
    <bpmn:sequenceFlow id="f9" sourceRef="Join" targetRef="E" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_both_branches_into_a_parallel_join_are_recorded(tmp_path, sqlite_url, applicant):
    (tmp_path / "bpmn").mkdir()
    (tmp_path / "forms").mkdir()
    (tmp_path / "bpmn" / "fork.bpmn").write_text(FORK_JOIN, encoding="utf-8")
    (tmp_path / "forms" / "any.schema.json").write_text(
        json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}),
        encoding="utf-8",
    )
    eng = Engine.open(sqlite_url)
    eng.deploy(tmp_path / "bpmn", tmp_path / "forms")
    seed_people(eng)
    ref = eng.start_case({"applicant": applicant}, VILLAGE_A1, by="town_a")
    for task in eng.open_tasks(ref.case_no):
        eng.complete("town_a", task.task_id, {})
    view = eng.case_view(ref.case_no)
    assert view.status == "completed"
    flows = {(source, target) for _process, source, target in view.reached["flows"]}
    assert {("A", "Join"), ("B", "Join"), ("Join", "E"), ("Fork", "A"), ("Fork", "B")} <= flows
