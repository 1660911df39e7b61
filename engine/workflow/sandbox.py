"""Sandboxed execution of scripts, conditions and DMN expressions with RestrictedPython.

SpiffWorkflow's default environment runs plain `exec`/`eval`. Here every piece of diagram code is
compiled by RestrictedPython (no imports, no names or attributes starting with `_`, guarded
attribute/item access and writes) and runs with a whitelist of builtins plus the engine's helpers.
The same compile step is the deploy-time check, so forbidden code is refused before it can run.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

# Names that are never callable from a diagram, even if a future builtins list let them through.
FORBIDDEN_NAMES = frozenset(
    {"open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "getattr", "setattr",
     "delattr", "breakpoint", "input", "memoryview", "type", "object", "super", "help", "dir", "exit", "quit"}
)

_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("min", "max", "sum", "any", "all", "sorted", "enumerate", "list", "dict", "set", "map",
                 "filter", "reversed")
}

_INPLACE_OPS = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
}


class SandboxViolation(Exception):
    """Diagram code that the sandbox refuses to compile."""


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE_OPS[op](target, value)


def _base_globals() -> dict[str, Any]:
    builtins = {k: v for k, v in safe_builtins.items() if k not in FORBIDDEN_NAMES}
    builtins.update(_EXTRA_BUILTINS)
    return {
        "__builtins__": builtins,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _inplacevar,
    }


BASE_GLOBALS = _base_globals()


def check(source: str, mode: str = "exec") -> list[str]:
    """Deploy-time check: the reasons this code would be refused (empty when it is acceptable)."""
    problems: list[str] = []
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as err:
        return [f"语法错误（第 {err.lineno} 行）：{err.msg}"]
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            problems.append("不允许 import")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            problems.append(f"不允许使用 {node.id}")
    result = (compile_restricted_exec if mode == "exec" else compile_restricted_eval)(source)
    problems.extend(str(e) for e in result.errors)
    return problems


@lru_cache(maxsize=4096)
def _compiled(source: str, mode: str):
    problems = check(source, mode)
    if problems:
        raise SandboxViolation("；".join(problems))
    result = (compile_restricted_exec if mode == "exec" else compile_restricted_eval)(source)
    return result.code


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Runs restricted code with task data as variables and `helpers` as extra globals."""

    def __init__(self, helpers: Mapping[str, Any] | None = None):
        super().__init__(dict(helpers or {}))

    def evaluate(self, expression, context, external_context=None):
        scope = dict(BASE_GLOBALS)
        scope.update(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(_compiled(expression.strip(), "eval"), scope)  # noqa: S307 - RestrictedPython byte code

    def execute(self, script, context, external_context=None):
        overlap = (set(self.globals) | set(external_context or {})) & set(context)
        if overlap:
            raise ValueError(f"任务数据中的变量与内置函数同名：{sorted(overlap)}")
        scope = dict(BASE_GLOBALS)
        scope.update(self.globals)
        scope.update(external_context or {})
        reserved = set(scope)
        scope.update(context)
        exec(_compiled(script, "exec"), scope)  # noqa: S102 - RestrictedPython byte code, guarded scope
        for key, value in scope.items():
            if key in reserved or key.startswith("_") or callable(value):
                continue
            context[key] = value
        for key in [k for k in context if k not in scope]:
            del context[key]  # `del x` in the script
        return True

    def call_service(self, context, **kwargs):
        raise SandboxViolation("本系统的流程不调用外部服务")


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine whose environment is the sandbox."""

    def __init__(self, helpers: Mapping[str, Any] | None = None):
        super().__init__(environment=SandboxEnvironment(helpers))

    def validate(self, expression):
        problems = check(expression, "eval")
        if problems:
            raise SandboxViolation("；".join(problems))
