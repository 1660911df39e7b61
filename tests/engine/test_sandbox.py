"""The sandbox: diagram code runs under RestrictedPython with only the engine's helpers."""

from __future__ import annotations

import pytest

from engine.workflow.sandbox import SandboxEnvironment, SandboxViolation, check


@pytest.fixture
def env():
    return SandboxEnvironment({"param": lambda name: {"limit": 1000}[name]})


def test_scripts_compute_with_task_data_and_helpers(env):
    data = {"amount": 800, "members": [{"age": 70}, {"age": 8}]}
    env.execute(
        "within = amount <= param('limit')\nelderly = len([m for m in members if m['age'] >= 60])\n"
        "amount += 1",
        data,
    )
    assert (data["within"], data["elderly"], data["amount"]) == (True, 1, 801)


@pytest.mark.parametrize(
    "code",
    [
        "import os",
        "from os import system",
        "open('/etc/passwd')",
        "__import__('os')",
        "eval('1')",
        "exec('x = 1')",
        "getattr(amount, 'real')",
        "amount.__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "_hidden = 1",
        "type(amount)",
    ],
)
def test_forbidden_code_is_refused_before_it_runs(env, code):
    assert check(code, "exec"), code
    data = {"amount": 1}
    with pytest.raises(SandboxViolation):
        env.execute(code, data)
    assert data == {"amount": 1}


def test_expressions_are_sandboxed_too(env):
    assert env.evaluate("amount * 2", {"amount": 3}) == 6
    with pytest.raises(SandboxViolation):
        env.evaluate("amount.__class__", {"amount": 3})


def test_string_formatting_cannot_reach_attributes(env):
    # RestrictedPython's safer_getattr refuses str.format, the classic way around attribute guards.
    with pytest.raises(NotImplementedError):
        env.evaluate("'{0.__class__}'.format(amount)", {"amount": 3})


def test_task_data_may_not_shadow_a_helper(env):
    with pytest.raises(ValueError):
        env.execute("x = 1", {"param": 5})
