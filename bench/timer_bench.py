"""Timer latency: how long after its due time a timer fires with the worker running.

    .venv/bin/python bench/timer_bench.py [--timers 40] [--workers 2] [--postgres]

Starts cases whose diagram waits on a 3-second timer, runs `--workers` timer workers (threads, each
the loop `jiuzhu fire-timers --loop` runs), and prints fired_at − due_at (p50, p95, max) and how many
timers fired more than once (must be 0). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select

from engine import Engine
from engine.store.models import AuditEvent, Timer

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="bench">
  <bpmn:process id="temporary_assistance" isExecutable="true">
    <bpmn:startEvent id="Ev_start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="Wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT3S"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="Ev_end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Ev_start" targetRef="Wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="Wait" targetRef="Ev_end" />
  </bpmn:process>
</bpmn:definitions>
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timers", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", help="a PostgreSQL URL to use instead of a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        specs = Path(folder)
        (specs / "bpmn").mkdir()
        (specs / "forms").mkdir()
        (specs / "bpmn" / "wait.bpmn").write_text(DIAGRAM, encoding="utf-8")
        eng = Engine.open(args.postgres or f"sqlite:///{folder}/timers.sqlite3")
        eng.deploy(specs / "bpmn", specs / "forms")
        eng.add_area("639001", "示范县")
        stop = threading.Event()
        workers = [
            threading.Thread(
                target=Engine.open(eng.db.url, migrate=False).run_timer_worker,
                args=(stop.is_set,),
                daemon=True,
            )
            for _ in range(args.workers)
        ]
        for worker in workers:
            worker.start()
        for i in range(args.timers):
            eng.start_case(
                {"applicant": {"name": "张三", "id_number": "110101199003074514"}},
                "639001",
                by=None,
                channel="online",
            )
            time.sleep(0.05)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with eng.db.read() as session:
                pending = session.scalar(select(func.count()).where(Timer.status == "pending"))
            if not pending:
                break
            time.sleep(0.2)
        stop.set()
        for worker in workers:
            worker.join(5)
        with eng.db.read() as session:
            rows = session.execute(select(Timer.due_at, Timer.fired_at).where(Timer.status == "fired")).all()
            fired_events = session.scalar(select(func.count()).where(AuditEvent.action == "timer_fired"))
        late = [(fired - due).total_seconds() for due, fired in rows]
        print(
            f"timers fired: {len(rows)} of {args.timers}, timer_fired events: {fired_events} "
            f"(fired twice: {fired_events - len(rows)}), workers: {args.workers}"
        )
        print(
            f"fired after due time: p50 {pct(late, 50):.2f} s  p95 {pct(late, 95):.2f} s  max {max(late):.2f} s"
        )
        print(json.dumps({"p50_s": pct(late, 50), "p95_s": pct(late, 95), "max_s": max(late)}))


if __name__ == "__main__":
    main()
