"""Sandboxed execution of scripts, conditions and DMN expressions with RestrictedPython.

SpiffWorkflow's default environment runs plain `exec`/`eval`. Here every piece of diagram code is
compiled by RestrictedPython (no imports, no names or attributes starting with `_`, guarded
attribute/item access and writes) with the bounds of engine/workflow/bounds.py (a CPU-time and an
allocation budget), and runs with a whitelist of builtins plus the engine's helpers. The same
compile step, with the runaways it can see statically, is the deploy-time check, so forbidden code
is refused before it can run.

Whatever diagram code raises stays inside the step: a budget overrun, or an exception that is not an
`Exception`, becomes a ScriptError (an incident on the case). Only a real interrupt of the process
(Ctrl-C, a worker being stopped) passes through: diagram code cannot raise those, the names are not
available to it.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.workflow import bounds
from engine.workflow.bounds import Budget, Limits, ScriptLimitExceeded

# Names that are never callable from a diagram, even if a future builtins list let them through.
FORBIDDEN_NAMES = frozenset(
    {
        "open",
        "exec",
        "eval",
        "compile",
        "__import__",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "breakpoint",
        "input",
        "memoryview",
        "type",
        "object",
        "super",
        "help",
        "dir",
        "exit",
        "quit",
        # Not Exceptions: raised by diagram code they would pass every `except Exception` of a worker.
        "BaseException",
        "SystemExit",
        "KeyboardInterrupt",
        "GeneratorExit",
        "BaseExceptionGroup",
    }
)
# Raised for the process, never by diagram code: let them end the worker as they should.
PROCESS_SIGNALS = (KeyboardInterrupt, SystemExit)

_EXTRA_BUILTINS = {
    name: getattr(__import__("builtins"), name)
    for name in ("any", "all", "enumerate", "map", "filter", "reversed")
}


class SandboxViolation(Exception):
    """Diagram code that the sandbox refuses to compile."""


class ScriptError(Exception):
    """Diagram code stopped by the sandbox at run time (over its budget, or raising what it may not)."""


def _builtins() -> dict[str, Any]:
    found = {k: v for k, v in safe_builtins.items() if k not in FORBIDDEN_NAMES and not k.startswith("_")}
    found.update(_EXTRA_BUILTINS)
    found.update(bounds.GUARDED_BUILTINS)
    return found


def _base_globals(expression: bool) -> dict[str, Any]:
    return {
        "__builtins__": _builtins(),
        "_getattr_": bounds.make_getattr(expression),
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        **bounds.GUARD_GLOBALS,
    }


SCRIPT_GLOBALS = _base_globals(expression=False)
EXPRESSION_GLOBALS = _base_globals(expression=True)
BASE_GLOBALS = SCRIPT_GLOBALS  # kept for callers that only need the names

_limits: Limits | None = None


def configure(limits: Limits | None) -> None:
    """Set this process's bounds (None: from the environment, see Limits.from_environment)."""
    global _limits
    _limits = limits


def configured_limits() -> Limits:
    global _limits
    if _limits is None:
        _limits = Limits.from_environment()
    return _limits


def _compile(source: str, mode: str):
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    return compiler(source, policy=bounds.BoundedTransformer)


# Python's syntax messages, as a process owner reads them (the raw English ones mean little to them).
_SYNTAX_MESSAGES = [
    (re.compile(r"^'(.)' was never closed"), "“{0}”没有配对的右括号"),
    (re.compile(r"^unmatched '(.)'"), "多了一个“{0}”"),
    (
        re.compile(r"^closing parenthesis '(.)' does not match opening parenthesis '(.)'"),
        "右括号“{0}”与左括号“{1}”不配对",
    ),
    (re.compile(r"^expected ':'"), "缺少冒号“:”"),
    (re.compile(r"^unterminated (?:triple-quoted )?string literal"), "字符串缺少结束引号"),
    (re.compile(r"^EOL while scanning string literal"), "字符串缺少结束引号"),
    (re.compile(r"^invalid syntax\. Perhaps you forgot a comma\?"), "写法不正确，可能缺少逗号"),
    (re.compile(r"^invalid decimal literal"), "数字写法不正确"),
    (re.compile(r"^unexpected indent"), "多余的缩进"),
    (re.compile(r"^unindent does not match"), "缩进与上文不一致"),
    (re.compile(r"^expected an indented block"), "冒号后缺少缩进的语句"),
    (re.compile(r"^cannot assign to"), "不能给这个表达式赋值"),
    (re.compile(r"^unexpected EOF|^invalid syntax"), "写法不正确"),
]


def syntax_message(message: str) -> str:
    """A Python syntax error's message in Chinese (anything unrecognised: 写法不正确)."""
    for pattern, chinese in _SYNTAX_MESSAGES:
        found = pattern.search(message or "")
        if found:
            return chinese.format(*found.groups())
    return "写法不正确"


def check(source: str, mode: str = "exec") -> list[str]:
    """Deploy-time check: the reasons this code would be refused (empty when it is acceptable)."""
    problems: list[str] = []
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as err:
        return [f"语法错误（第 {err.lineno} 行）：{syntax_message(err.msg)}"]
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            problems.append("不允许 import")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            problems.append(f"不允许使用 {node.id}")
    problems.extend(str(e) for e in _compile(source, mode).errors)
    problems.extend(bounds.static_problems(tree))
    return problems


@lru_cache(maxsize=4096)
def _compiled(source: str, mode: str):
    problems = check(source, mode)
    if problems:
        raise SandboxViolation("；".join(problems))
    return _compile(source, mode).code


def _script_line(tb) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<string>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Runs restricted code with task data as variables and `helpers` as extra globals. One
    environment serves one step: the step's CPU budget is shared by all the code it runs."""

    def __init__(self, helpers: Mapping[str, Any] | None = None, limits: Limits | None = None):
        super().__init__(dict(helpers or {}))
        self.limits = limits or configured_limits()
        self.cpu_used = 0.0

    def evaluate(self, expression, context, external_context=None):
        scope = dict(EXPRESSION_GLOBALS)
        scope.update(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        code = _compiled(expression.strip(), "eval")
        return self._run(lambda: bounds.measured(eval(code, scope)))

    def execute(self, script, context, external_context=None):
        overlap = (set(self.globals) | set(external_context or {})) & set(context)
        if overlap:
            raise ValueError(f"任务数据中的变量与内置函数同名：{sorted(overlap)}")
        scope = dict(SCRIPT_GLOBALS)
        scope.update(self.globals)
        scope.update(external_context or {})
        reserved = set(scope)
        scope.update(context)
        code = _compiled(script, "exec")

        def run():
            exec(code, scope)  # noqa: S102 - RestrictedPython byte code, guarded scope
            for key, value in scope.items():  # what the step will store must be storable
                if key not in reserved and not key.startswith("_"):
                    bounds.measured(value)

        self._run(run)
        for key, value in scope.items():
            if key in reserved or key.startswith("_") or callable(value):
                continue
            context[key] = value
        for key in [k for k in context if k not in scope]:
            del context[key]  # `del x` in the script
        return True

    def _run(self, run):
        left = self.limits.step_cpu_ms / 1000 - self.cpu_used
        if left <= 0:
            raise ScriptError(f"本环节的代码运行时间已用完（合计 {self.limits.step_cpu_ms} 毫秒 CPU 时间）")
        budget = Budget(self.limits, left)
        try:
            with bounds.running(budget):
                result = run()
        except PROCESS_SIGNALS:
            raise
        except BaseException as err:
            line = _script_line(sys.exc_info()[2])
            where = f"（第 {line} 行）" if line else ""
            if budget.exceeded is not None or isinstance(err, ScriptLimitExceeded):
                raise ScriptError(f"{budget.exceeded or err}{where}") from None
            if not isinstance(err, Exception):
                raise ScriptError(f"引发了不允许的异常 {type(err).__name__}{where}") from None
            raise
        finally:
            self.cpu_used += budget.used()
        if budget.exceeded is not None:  # caught inside the code; still over
            raise ScriptError(budget.exceeded)
        return result

    def call_service(self, context, **kwargs):
        raise SandboxViolation("本系统的流程不调用外部服务")


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine whose environment is the sandbox."""

    def __init__(self, helpers: Mapping[str, Any] | None = None, limits: Limits | None = None):
        super().__init__(environment=SandboxEnvironment(helpers, limits))

    def validate(self, expression):
        ast.parse(expression, mode="eval")  # a SyntaxError, as SpiffWorkflow's DMN engine expects
        problems = check(expression, "eval")
        if problems:
            raise SandboxViolation("；".join(problems))
