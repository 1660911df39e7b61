"""Sandbox benchmark: what the bounds on diagram code (engine/workflow/bounds.py) cost.

    .venv/bin/python bench/sandbox_bench.py [--repeat 2000] [--cases 20]

(1) every piece of code in the shipped diagrams (bpmn/: scripts, conditions, timers, due times, DMN
    input and output expressions) evaluated with realistic case data, with the bounds and without
    them (RestrictedPython's own policy and guards, as before issue 11): microseconds per piece, p50;
(2) a whole step through engine/ on SQLite (bench/specs/ten_steps.bpmn: a user task, a script and a
    gateway reading a county parameter per step), bounded and unbounded, interleaved case by case so
    a busy machine slows both alike: milliseconds per step, p50 / p95, and the difference.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import safer_getattr

from bench.engine_bench import APPLICATION, STEP_DATA, TOWNSHIPS, engine_steps, pct, prepare
from engine.workflow import sandbox
from engine.workflow.lint import code_fragments
from engine.workflow.specs import SpecFiles

# Case data as the policy diagrams see it in the middle of a 支出型 case.
DATA = {
    "applicant": {
        "name": "张三",
        "id_number": "110101199003074514",
        "hukou_local": True,
        "phone": "13800000000",
    },
    "household_members": [
        {"name": "李四", "id_number": "110101199203074528", "relation": "spouse"},
        {"name": "张小", "id_number": "110101201503074513", "relation": "child"},
    ],
    "household_categories": ["dibao"],
    "reason": "medical_expense",
    "description": "住院",
    "needed_amount": 3000,
    "declared_annual_income": 12000,
    "applying_dibao_tekun": False,
    "submitted_by": "self",
    "category": "expenditure",
    "severity": "serious",
    "priority_household": True,
    "household_size": 3,
    "aid_months": 3,
    "uplift_percent": 20,
    "amount": 2520,
    "suggested_amount": 2520,
    "approved": True,
    "instalments": 1,
    "stage": 0,
    "paid_total": 0,
    "aid_way": "bank",
    "voucher_no": "V1",
    "exceeds_cap": False,
    "complex_case": False,
    "charity_consent": False,
    "referral_targets": [],
    "approval_level": "township",
    "opinion": "agree",
    "refusal_reason": "",
    "refusal_code": "",
    "income_below_line": True,
    "case_no": "X",
    "area_code": "639001001001",
    "county_code": "639001",
    "channel": "window",
    "duplicate_of": [],
    "dmninputexpr": "expenditure",
}


def helpers() -> dict:
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return {
        "param": lambda name: 10,
        "prior_cases": lambda id_number: [],
        "now": lambda: now,
        "days": lambda n: f"P{int(n)}D",
        "hours": lambda n: f"PT{int(n)}H",
        "after_days": lambda n: now.isoformat(),
        "after_hours": lambda n: now.isoformat(),
        "after_working_days": lambda n: now.isoformat(),
        "record_payment": lambda *a, **k: True,
        "set_outcome": lambda *a, **k: True,
        "issue_notice": lambda *a, **k: True,
        "publish_notice": lambda *a, **k: True,
        "withdraw_notice": lambda: True,
        "flag": lambda m: True,
        "remark": lambda m: True,
    }


_UNBOUNDED_GLOBALS = {
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
}


@contextlib.contextmanager
def unbounded():
    """The sandbox as it was before the bounds: RestrictedPython's policy and default guards."""
    saved = sandbox._compile, sandbox.SCRIPT_GLOBALS, sandbox.EXPRESSION_GLOBALS

    def plain_compile(source, mode):
        compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
        return compiler(source, policy=RestrictingNodeTransformer)

    plain = {**saved[1], **_UNBOUNDED_GLOBALS, "_inplacevar_": saved[1]["_inplacevar_"]}
    plain["__builtins__"] = {k: v for k, v in plain["__builtins__"].items()}
    import builtins

    for name in (
        "range",
        "sum",
        "pow",
        "round",
        "str",
        "repr",
        "hash",
        "list",
        "dict",
        "set",
        "sorted",
        "min",
        "max",
    ):
        plain["__builtins__"][name] = getattr(builtins, name)
    sandbox._compile, sandbox.SCRIPT_GLOBALS, sandbox.EXPRESSION_GLOBALS = plain_compile, plain, plain
    saved_run, saved_measured = sandbox.SandboxEnvironment._run, sandbox.bounds.measured
    sandbox.SandboxEnvironment._run = lambda self, run: run()  # no budget, no check of what is stored
    sandbox.bounds.measured = lambda value: value
    sandbox._compiled.cache_clear()
    try:
        yield
    finally:
        sandbox._compile, sandbox.SCRIPT_GLOBALS, sandbox.EXPRESSION_GLOBALS = saved
        sandbox.SandboxEnvironment._run, sandbox.bounds.measured = saved_run, saved_measured
        sandbox._compiled.cache_clear()


def fragments() -> list[tuple[str, str, str]]:
    found = []
    for name, owner, source, mode in code_fragments(SpecFiles.from_dirs(ROOT / "bpmn", ROOT / "forms")):
        if mode == "dmn-entry":
            source, mode = f"dmninputexpr == ({source})", "eval"
        found.append((f"{name}#{owner}", source, mode))
    return found


def time_fragment(env, source: str, mode: str, repeat: int) -> float | None:
    """Microseconds per run, median of `repeat`; None when the piece needs data the bench lacks."""
    times = []
    for _ in range(repeat):
        data = {
            k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
            for k, v in DATA.items()
        }
        started = time.perf_counter()
        try:
            if mode == "exec":
                env.execute(source, data)
            else:
                env.evaluate(source, data)
        except Exception:  # noqa: BLE001 - a piece needing other data is left out
            return None
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times)


def per_piece(repeat: int) -> None:
    bounded, plain = [], []
    for where, source, mode in fragments():
        env = sandbox.SandboxEnvironment(helpers())
        with_bounds = time_fragment(env, source, mode, repeat)
        with unbounded():
            without = time_fragment(sandbox.SandboxEnvironment(helpers()), source, mode, repeat)
        if with_bounds is not None and without is not None:
            bounded.append(with_bounds)
            plain.append(without)
    print(f"(1) {len(bounded)} pieces of diagram code (bpmn/), {repeat} runs each, median per piece:")
    print(
        f"    without bounds  p50 {pct(plain, 50):6.1f} µs  p95 {pct(plain, 95):6.1f} µs  "
        f"sum over all pieces {sum(plain):7.1f} µs"
    )
    print(
        f"    with bounds     p50 {pct(bounded, 50):6.1f} µs  p95 {pct(bounded, 95):6.1f} µs  "
        f"sum over all pieces {sum(bounded):7.1f} µs"
    )
    print(f"    added per piece p50 {pct(bounded, 50) - pct(plain, 50):6.1f} µs")


def per_step(cases: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        eng = prepare(f"sqlite:///{folder}/bench.sqlite3")
        engine_steps(eng, 2)  # warm caches
        bounded, plain = [], []
        for _ in range(cases):
            bounded += engine_steps(eng, 1)
            with unbounded():
                plain += engine_steps(eng, 1)
        eng.close()
    print(f"(2) engine/ per step on SQLite, {cases} cases × 10 steps each way, interleaved:")
    print(f"    without bounds  p50 {pct(plain, 50):6.2f} ms  p95 {pct(plain, 95):6.2f} ms")
    print(f"    with bounds     p50 {pct(bounded, 50):6.2f} ms  p95 {pct(bounded, 95):6.2f} ms")
    print(
        f"    difference      p50 {pct(bounded, 50) - pct(plain, 50):+6.2f} ms  "
        f"({(pct(bounded, 50) / pct(plain, 50) - 1) * 100:+.1f} %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=20)
    args = parser.parse_args()
    assert APPLICATION and STEP_DATA and TOWNSHIPS  # the engine bench's own case and data
    per_piece(args.repeat)
    per_step(args.cases)


if __name__ == "__main__":
    main()
