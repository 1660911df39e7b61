"""The case diagram: the BPMN files of the case's own version, with what the case reached and its
open tasks, for the bpmn-js viewer on the case page."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lxml import etree

from engine.workflow.specs import BPMN_NS, LoadedSpecs


@dataclass(frozen=True)
class CaseDiagram:
    process_id: str
    name: str
    xml: str
    completed: list[str]
    open_tasks: list[str]
    names: dict[str, str]  # element id -> its name in the diagram (timers, gateways, tasks)


def case_diagrams(loaded: LoadedSpecs, reached: dict | None, open_tasks: list) -> list[CaseDiagram]:
    """One diagram per process the case entered (the entry process first), in the order reached;
    `open_tasks` are the case's inbox rows (process_id, element_id)."""
    nodes = (reached or {}).get("nodes", []) if isinstance(reached, dict) else []
    order = [loaded.entry_process]
    for process_id, _element in nodes:
        if process_id not in order:
            order.append(process_id)
    for row in open_tasks:
        if row.process_id not in order:
            order.append(row.process_id)
    files = _process_files(tuple(loaded.files.bpmn().values()))
    diagrams = []
    for process_id in order:
        if process_id not in files:
            continue
        name, text = files[process_id]
        diagrams.append(
            CaseDiagram(
                process_id,
                name,
                text,
                completed=[element for process, element in nodes if process == process_id],
                open_tasks=[row.element_id for row in open_tasks if row.process_id == process_id],
                names=_element_names(text),
            )
        )
    return diagrams


# A version's files never change: parse each once per process, not on every case page (a few
# milliseconds each). Keyed by the texts themselves, whose hashes Python keeps.
@functools.lru_cache(maxsize=64)
def _element_names(text: str) -> dict[str, str]:
    root = etree.fromstring(text.encode("utf-8"))
    return {node.get("id"): node.get("name") for node in root.iter() if node.get("id") and node.get("name")}


@functools.lru_cache(maxsize=16)
def _process_files(bpmn_texts: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """process id -> (process name, the text of the file that defines it)."""
    found = {}
    for text in bpmn_texts:
        root = etree.fromstring(text.encode("utf-8"))
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            found[process.get("id")] = (process.get("name") or process.get("id"), text)
    return found
