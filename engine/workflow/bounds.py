"""Bounds on diagram code: every script, condition, timer and DMN expression runs within a CPU-time
and an allocation budget.

Python cannot interrupt one long C-level operation (`pow(10, 10**8)`, `'x' * 10**10`, `sum(range(
10**12))`) from a trace function or a signal handler, so the bound is put on the operations
themselves. The sandbox compiles diagram code with `BoundedTransformer`, a RestrictedPython policy
that rewrites it so that:

- every loop iteration, every call of a function or lambda defined in the code ticks the budget
  (`for` and comprehensions through `_getiter_`, `while` bodies, function and lambda bodies);
- every operator that can build a large value in one step (`+ * ** << %`, f-strings) goes through a
  guard that knows the size of the result before it is built, and charges it to the budget;
- operands of comparisons and keys of set/dict displays are measured when they are containers, so
  a structure that shares itself exponentially (`x = [x, x]` forty times) is never walked by C code;
- a bare `except:` catches only `Exception`: the budget's own error is not an `Exception`, so code
  cannot swallow it and run on.

The builtins that build or consume sequences (`range`, `list`, `dict`, `set`, `sorted`, `min`,
`max`, `sum`, `pow`, `round`, `str`, `repr`, `hash`) are guarded versions, and so are the methods
of `str`, `bytes`, `list`, `dict`, `set` and `int` that may amplify their input (`ljust`, `replace`,
`join`, `extend`, `to_bytes`…). The budget checks the thread's CPU time every few ticks and at every
large charge; once exceeded it stays exceeded, so every later tick raises again and the code cannot
outrun it.

What it costs is measured by bench/sandbox_bench.py and explained in docs/security.md.
"""

from __future__ import annotations

import ast
import builtins
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from RestrictedPython import RestrictingNodeTransformer

# Single values no piece of diagram code may build, whatever its budget.
MAX_INT_BITS = 10_000  # about 3 000 decimal digits; money, days and counts need a few dozen bits
MAX_POW_MOD_BITS = 4_096  # three-argument pow: exponent and modulus
MAX_FORMAT_WIDTH = 1_000  # widths and precisions in f-strings and %-formatting
MAX_RANGE = 1_000_000
MAX_NODES = 100_000  # items visited when a container is measured (shared parts counted each time)
MAX_DEPTH = 100
CHECK_EVERY = 64  # ticks between two looks at the CPU clock


@dataclass(frozen=True)
class Limits:
    """How much one piece of diagram code, and all code of one step together, may use."""

    cpu_ms: int = 200
    memory_mb: int = 32
    step_cpu_ms: int = 2_000

    @classmethod
    def from_environment(cls) -> Limits:
        """JIUZHU_SCRIPT_CPU_MS, JIUZHU_SCRIPT_MEMORY_MB and JIUZHU_STEP_CPU_MS, else the defaults."""
        values = {}
        for field, name in (
            ("cpu_ms", "JIUZHU_SCRIPT_CPU_MS"),
            ("memory_mb", "JIUZHU_SCRIPT_MEMORY_MB"),
            ("step_cpu_ms", "JIUZHU_STEP_CPU_MS"),
        ):
            raw = os.environ.get(name, "").strip()
            if raw:
                if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 600_000:
                    raise ValueError(f"{name} 应为 1–600000 的整数，得到 {raw!r}")
                values[field] = int(raw)
        return cls(**values)


class ScriptLimitExceeded(BaseException):
    """The budget of a piece of diagram code ran out. A BaseException so that `except Exception` in
    the code (or in a helper it calls) cannot swallow it; the sandbox turns it into a ScriptError."""


class Budget:
    """The CPU deadline and allocation allowance of one piece of code."""

    __slots__ = ("bytes_left", "countdown", "deadline", "exceeded", "limits", "started")

    def __init__(self, limits: Limits, cpu_left_s: float | None = None):
        self.limits = limits
        self.started = time.thread_time()
        allowed = limits.cpu_ms / 1000 if cpu_left_s is None else min(limits.cpu_ms / 1000, cpu_left_s)
        self.deadline = self.started + max(allowed, 0.0)
        self.bytes_left = limits.memory_mb * 1024 * 1024
        self.countdown = CHECK_EVERY
        self.exceeded: str | None = None

    def used(self) -> float:
        return time.thread_time() - self.started

    def fail(self, reason: str):
        if self.exceeded is None:
            self.exceeded = reason
        self.countdown = 0
        raise ScriptLimitExceeded(self.exceeded)

    def check(self) -> None:
        if self.exceeded is not None:
            self.fail(self.exceeded)
        if time.thread_time() > self.deadline:
            self.fail(
                f"运行时间超过上限（每段代码 {self.limits.cpu_ms} 毫秒 CPU 时间，"
                f"每个环节合计 {self.limits.step_cpu_ms} 毫秒）"
            )
        self.countdown = CHECK_EVERY

    def tick(self, value=None):
        self.countdown -= 1
        if self.countdown <= 0:
            self.check()
        return value

    def charge(self, nbytes: int) -> None:
        self.bytes_left -= nbytes
        if self.bytes_left < 0:
            self.fail(f"占用内存超过上限（每段代码 {self.limits.memory_mb} MB）")
        if nbytes > 65_536:
            self.countdown = 0
        self.tick()


# -- the budget of the code running on this thread -------------------------------------------------
_current = threading.local()


def refuse(reason: str):
    """Fail the piece of code now running (and every later tick of it) for `reason`."""
    budget = getattr(_current, "budget", None)
    if budget is not None:
        budget.fail(reason)
    raise ScriptLimitExceeded(reason)


def current() -> Budget:
    budget = getattr(_current, "budget", None)
    if budget is None:
        raise ScriptLimitExceeded("流程代码只能在沙箱内运行")
    return budget


class running:
    """`with running(budget):` makes `budget` the one diagram code on this thread charges."""

    def __init__(self, budget: Budget):
        self.budget = budget

    def __enter__(self) -> Budget:
        self.previous = getattr(_current, "budget", None)
        _current.budget = self.budget
        return self.budget

    def __exit__(self, *exc) -> None:
        _current.budget = self.previous


# -- sizes ------------------------------------------------------------------------------------------
_INTS = (int, bool)
_NUMBERS = frozenset({int, bool, float, complex})
_SEQUENCES = frozenset({str, bytes, bytearray, list, tuple})
CONTAINERS = frozenset({list, tuple, dict, set, frozenset})


def nbytes(value: Any) -> int:
    """A cheap upper estimate of the memory a value takes (its own, not what it refers to)."""
    kind = type(value)
    if kind is str:
        return len(value) if value.isascii() else 4 * len(value)
    if kind in (bytes, bytearray):
        return len(value)
    if kind in (list, tuple):
        return 8 * len(value)
    if kind in (dict, set, frozenset):
        return 64 * len(value)
    if kind is int:
        return value.bit_length() // 8
    return 64


def measure(value: Any) -> None:
    """Refuse a container that is too large or nested too deeply to be printed, compared, hashed or
    stored: visits every item, shared parts once per reference, and stops at MAX_NODES."""
    if type(value) not in CONTAINERS:
        return
    visited = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            refuse(f"数据结构过大（超过 {MAX_NODES} 项，含重复引用）")
        kind = type(item)
        if kind not in CONTAINERS:
            continue
        if depth > MAX_DEPTH:
            refuse(f"数据结构嵌套过深（超过 {MAX_DEPTH} 层）")
        if kind is dict:
            for key, sub in item.items():
                stack.append((key, depth + 1))
                stack.append((sub, depth + 1))
        else:
            stack.extend((sub, depth + 1) for sub in item)
        if len(stack) > MAX_NODES:
            refuse(f"数据结构过大（超过 {MAX_NODES} 项，含重复引用）")


def measured(value):
    if type(value) in CONTAINERS:
        measure(value)
    return value


def _int_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        refuse(f"整数过大（超过 {MAX_INT_BITS} 位二进制）")


def _width(value: Any, what: str) -> None:
    if type(value) not in _INTS or abs(value) > MAX_FORMAT_WIDTH:
        refuse(f"{what}超过上限（{MAX_FORMAT_WIDTH}）")


# -- operators -------------------------------------------------------------------------------------
def g_add(a, b):
    ta, tb = type(a), type(b)
    if ta in _NUMBERS and tb in _NUMBERS:
        return a + b
    if ta in _SEQUENCES or tb in _SEQUENCES:
        current().charge(nbytes(a) + nbytes(b))
    return a + b


def g_mul(a, b):
    ta, tb = type(a), type(b)
    if ta in _INTS and tb in _INTS:
        _int_bits(a.bit_length() + b.bit_length())
        return a * b
    if ta in _SEQUENCES and tb in _INTS:
        seq, times = a, b
    elif tb in _SEQUENCES and ta in _INTS:
        seq, times = b, a
    else:
        return a * b
    if times > 0:
        current().charge(nbytes(seq) * times)
    return a * b


def g_pow(a, b, mod=None):
    if mod is not None:
        for value, what in ((a, "底数"), (b, "指数"), (mod, "模数")):
            if type(value) in _INTS and value.bit_length() > MAX_POW_MOD_BITS:
                refuse(f"pow 的{what}过大（超过 {MAX_POW_MOD_BITS} 位二进制）")
        return builtins.pow(a, b, mod)
    if type(a) in _INTS and type(b) in _INTS and b > 0 and abs(a) > 1:
        if b > MAX_INT_BITS:
            _int_bits(b)
        _int_bits(a.bit_length() * b)
        current().charge(a.bit_length() * b // 8)
    return a**b


def g_lshift(a, b):
    if type(a) in _INTS and type(b) in _INTS and a and b > 0:
        if b > MAX_INT_BITS:
            _int_bits(b)
        _int_bits(a.bit_length() + b)
    return a << b


_PRINTF = re.compile(r"%(?:\(([^)]*)\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)", re.DOTALL)


def g_mod(a, b):
    if type(a) not in (str, bytes):
        return a % b
    budget = current()
    values = b if type(b) is tuple else (b,)
    mapping = b if type(b) is dict else None
    position, size = 0, nbytes(a)
    for match in _PRINTF.finditer(a if type(a) is str else a.decode("latin-1")):
        key, width, precision, conversion = match.groups()
        if conversion == "%":
            continue
        for part, what in ((width, "格式宽度"), (precision, "格式精度")):
            if part == "*":
                _width(values[position] if position < len(values) else 0, what)
                size += abs(values[position]) if position < len(values) else 0
                position += 1
            elif part:
                _width(int(part) if len(part) <= 5 else MAX_FORMAT_WIDTH + 1, what)
                size += int(part)
        if key is not None and mapping is not None:
            value = mapping.get(key)
        else:
            value = values[position] if position < len(values) else None
            position += 1
        measure(value) if type(value) in CONTAINERS else None
        size += nbytes(value) + 32
    budget.charge(size)
    return a % b


_SPEC_NUMBER = re.compile(r"\d+")


def g_format(value, conversion: int, spec: str | None):
    """One `{value!conversion:spec}` of an f-string."""
    if type(value) in CONTAINERS:
        measure(value)
    if conversion == 115:
        value = builtins.str(value)
    elif conversion == 114:
        value = builtins.repr(value)
    elif conversion == 97:
        value = builtins.ascii(value)
    if spec:
        for number in _SPEC_NUMBER.findall(spec):
            _width(int(number) if len(number) <= 5 else MAX_FORMAT_WIDTH + 1, "格式宽度或精度")
    result = builtins.format(value, spec or "")
    current().charge(nbytes(result))
    return result


def g_join(*parts: str) -> str:
    """The literal parts and formatted values of an f-string, joined."""
    current().charge(sum(nbytes(p) for p in parts))
    return "".join(parts)


def g_tick(value=None):
    return current().tick(value)


def g_compared(value):
    if type(value) in CONTAINERS:
        measure(value)
    return value


def g_getiter(iterable):
    budget = current()
    for item in iterable:
        budget.tick()
        yield item


def g_getitem(container, key):
    if type(key) is slice:
        result = container[key]
        current().charge(nbytes(result))
        return result
    if type(key) is tuple:
        measure(key)
    return container[key]


_INPLACE = {"+=": g_add, "*=": g_mul, "**=": g_pow, "<<=": g_lshift, "%=": g_mod}


def g_inplacevar(op: str, target, value):
    guard = _INPLACE.get(op)
    if guard is not None:
        return guard(target, value)
    import operator

    return {
        "-=": operator.isub,
        "/=": operator.itruediv,
        "//=": operator.ifloordiv,
        ">>=": operator.irshift,
        "&=": operator.iand,
        "|=": operator.ior,
        "^=": operator.ixor,
    }[op](target, value)


# -- builtins --------------------------------------------------------------------------------------
class _GuardedType(type):
    """A stand-in for a builtin type: calling it builds a real instance through a guard, and
    `isinstance(x, str)` still works in diagram code."""

    def __call__(cls, *args, **kwargs):
        return cls.build(*args, **kwargs)

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls.real)

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, cls.real)

    def __repr__(cls):
        return f"<class '{cls.real.__name__}'>"


def _guarded_type(real: type, build) -> type:
    return _GuardedType(real.__name__, (), {"real": real, "build": staticmethod(build)})


def _charged(result):
    current().charge(nbytes(result))
    return result


def _range(*args):
    found = builtins.range(*args)
    try:
        length = len(found)
    except OverflowError:
        length = MAX_RANGE + 1
    if length > MAX_RANGE:
        refuse(f"range 的长度超过上限（{MAX_RANGE}）")
    current().charge(8 * length)
    return found


def _sum(iterable, start=0):
    if type(start) not in _NUMBERS:
        raise TypeError("sum 只能对数值求和")
    return builtins.sum(iterable, start)


def _round(number, ndigits=None):
    if ndigits is not None and type(ndigits) in _INTS and abs(ndigits) > MAX_FORMAT_WIDTH:
        refuse(f"round 的位数超过上限（{MAX_FORMAT_WIDTH}）")
    return builtins.round(number, ndigits)


def _str(*args, **kwargs):
    if args:
        measured(args[0])
    return _charged(builtins.str(*args, **kwargs))


def _repr(value):
    return _charged(builtins.repr(measured(value)))


def _hash(value):
    return builtins.hash(measured(value))


def _consumer(function, charge: bool):
    def guarded(*args, **kwargs):
        for arg in args:
            measured(arg)
        result = function(*args, **kwargs)
        return _charged(result) if charge else result

    guarded.__name__ = function.__name__
    return guarded


GUARDED_BUILTINS = {
    "range": _guarded_type(range, _range),
    "sum": _sum,
    "pow": g_pow,
    "round": _round,
    "str": _guarded_type(str, _str),
    "repr": _repr,
    "hash": _hash,
    "list": _guarded_type(list, _consumer(list, charge=True)),
    "dict": _guarded_type(dict, _consumer(dict, charge=True)),
    "set": _guarded_type(set, _consumer(set, charge=True)),
    "sorted": _consumer(sorted, charge=True),
    "min": _consumer(min, charge=False),
    "max": _consumer(max, charge=False),
}

# -- methods -------------------------------------------------------------------------------------
_PADDING = frozenset({"ljust", "rjust", "center", "zfill"})
# Methods that change a container; expressions (conditions, DMN, timers) may not call them.
MUTATING = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "sort",
        "reverse",
        "update",
        "setdefault",
        "popitem",
        "add",
        "discard",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
    }
)
_METHOD_OWNERS = frozenset({str, bytes, list, dict, set, frozenset, int, bool})


def _precheck(owner, name: str, args: tuple, kwargs: dict) -> int:
    """Bytes a method call may build before it builds them (0 when its result is charged after)."""
    if name in _PADDING and args:
        _width_arg = args[0]
        if type(_width_arg) in _INTS and _width_arg > 0:
            return nbytes(owner) + (_width_arg * (4 if type(owner) is str and not owner.isascii() else 1))
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if type(size) in _INTS and size > 0:
            return nbytes(owner) * size
    elif name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        if type(old) is type(owner) and type(new) is type(owner):
            count = (len(owner) + 1) if not old else owner.count(old)
            limit = args[2] if len(args) > 2 and type(args[2]) in _INTS and args[2] >= 0 else count
            return nbytes(owner) + min(count, limit) * nbytes(new)
    elif name == "join" and args:
        parts = args[0]
        if type(parts) in (list, tuple):
            return builtins.sum(nbytes(p) for p in parts) + nbytes(owner) * len(parts)
    elif name == "translate" and args and type(args[0]) is dict and type(owner) is str:
        longest = builtins.max((nbytes(v) for v in args[0].values() if type(v) is str), default=1)
        return len(owner) * builtins.max(longest, 4)
    elif name == "extend" and args and type(args[0]) in CONTAINERS:
        return nbytes(args[0])
    elif name == "to_bytes":
        length = args[0] if args else kwargs.get("length", 1)
        if type(length) in _INTS:
            return length
    elif name in ("split", "rsplit", "splitlines"):
        return 8 * len(owner)
    return 0


# Methods that compare or hash their arguments (or the container's items): those are measured first,
# so C code never walks a structure that shares itself exponentially.
_COMPARING = frozenset(
    {
        "index",
        "count",
        "remove",
        "sort",
        "get",
        "pop",
        "setdefault",
        "fromkeys",
        "update",
        "add",
        "discard",
        "union",
        "intersection",
        "difference",
        "symmetric_difference",
        "issubset",
        "issuperset",
        "isdisjoint",
    }
)


def guarded_method(owner, name: str, method):
    def call(*args, **kwargs):
        if name in _COMPARING and type(owner) in CONTAINERS:
            for arg in args:
                measured(arg)
            if name in ("index", "count", "remove", "sort"):
                measure(owner)
        budget = current()
        budget.charge(_precheck(owner, name, args, kwargs))
        result = method(*args, **kwargs)
        if result is not None and result is not owner:
            budget.charge(nbytes(result))
        return result

    call.__name__ = name
    return call


_MISSING = object()


def make_getattr(expression: bool):
    """`_getattr_` for scripts (expression=False) or for expressions, which may not change data."""

    def g_getattr(obj, name, default=_MISSING):
        if type(name) is not str:
            raise TypeError("属性名应为文本")
        if name.startswith("_"):
            raise AttributeError(f"不允许访问以下划线开头的属性 {name}")
        if name in ("format", "format_map") and isinstance(obj, str):
            raise NotImplementedError("不允许使用 str.format，请用 f-string")
        if type(obj) is _GuardedType:
            raise AttributeError(f"不允许访问 {obj.real.__name__}.{name}")
        if expression and name in MUTATING and type(obj) in (list, dict, set):
            raise TypeError(f"表达式不能修改数据（{name}）")
        try:
            value = getattr(obj, name)
        except AttributeError:
            if default is not _MISSING:
                return default
            raise AttributeError(f"{type(obj).__name__} 对象没有属性 {name}") from None
        if type(obj) in _METHOD_OWNERS and callable(value):
            return guarded_method(obj, name, value)
        return value

    return g_getattr


# -- the compiler policy ---------------------------------------------------------------------------
_BINOPS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Mod: "_mod_"}


def _name(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def _call(identifier: str, *args: ast.expr, like: ast.AST) -> ast.Call:
    return ast.copy_location(ast.Call(func=_name(identifier), args=list(args), keywords=[]), like)


def _tick_statement(like: ast.AST) -> ast.Expr:
    return ast.copy_location(ast.Expr(value=_call("_tick_", like=like)), like)


class BoundedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the rewrites that put diagram code on a budget."""

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        guard = _BINOPS.get(type(node.op))
        return _call(guard, node.left, node.right, like=node) if guard else node

    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, _tick_statement(node))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _tick_statement(node))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        node.body = _call("_tick_", node.body, like=node.body)
        return node

    def visit_Compare(self, node):
        node = super().visit_Compare(node)
        node.left = self._compared(node.left)
        node.comparators = [self._compared(c) for c in node.comparators]
        return node

    def visit_Set(self, node):
        node = super().visit_Set(node)
        node.elts = [self._compared(e) for e in node.elts]
        return node

    def visit_Dict(self, node):
        node = super().visit_Dict(node)
        node.keys = [self._compared(k) if k is not None else None for k in node.keys]
        return node

    def visit_JoinedStr(self, node):
        node = super().visit_JoinedStr(node)
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                spec = value.format_spec if value.format_spec is not None else ast.Constant(value=None)
                parts.append(
                    _call("_format_", value.value, ast.Constant(value=value.conversion), spec, like=value)
                )
            else:
                parts.append(value)
        return _call("_join_", *parts, like=node)

    def visit_ExceptHandler(self, node):
        node = super().visit_ExceptHandler(node)
        if node.type is None:  # a bare except catches Exception only, never the budget's own error
            node.type = ast.copy_location(_name("Exception"), node)
        return node

    def visit_Module(self, node):
        return ast.fix_missing_locations(super().visit_Module(node))

    def visit_Expression(self, node):
        return ast.fix_missing_locations(super().visit_Expression(node))

    @staticmethod
    def _compared(node):
        if isinstance(node, ast.Constant):
            return node
        return _call("_compared_", node, like=node)


GUARD_GLOBALS = {
    "_tick_": g_tick,
    "_getiter_": g_getiter,
    "_getitem_": g_getitem,
    "_add_": g_add,
    "_mul_": g_mul,
    "_pow_": g_pow,
    "_lshift_": g_lshift,
    "_mod_": g_mod,
    "_format_": g_format,
    "_join_": g_join,
    "_compared_": g_compared,
    "_inplacevar_": g_inplacevar,
}


# -- what deploy can see without running the code ---------------------------------------------------
class _NotConstant(Exception):
    pass


_STATIC_CALLS: dict[str, Callable[..., Any]] = {"range": _range, "pow": g_pow, "round": _round, "sum": _sum}
_STATIC_BINOPS = {
    ast.Add: g_add,
    ast.Mult: g_mul,
    ast.Pow: g_pow,
    ast.LShift: g_lshift,
    ast.Mod: g_mod,
    ast.Sub: lambda a, b: a - b,
    ast.FloorDiv: lambda a, b: a // b,
}


def static_problems(tree: ast.AST, limits: Limits | None = None) -> list[str]:
    """Runaways deploy can see: constant expressions over the bounds, `while True` without a break."""
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.While) and _always_true(node.test) and not _leaves(node):
            problems.append(f"第 {node.lineno} 行：死循环（while 条件恒为真且没有 break/return）")
        elif isinstance(node, (ast.BinOp, ast.Call)):
            try:
                with running(Budget(limits or Limits(), cpu_left_s=1.0)):
                    _constant(node)
            except ScriptLimitExceeded as err:
                problems.append(f"第 {node.lineno} 行：{err}")
            except Exception:  # noqa: BLE001, S110 - not constant, or an error left to run time
                pass
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            for part in ast.walk(node.format_spec):
                numbers: list = []
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    numbers = _SPEC_NUMBER.findall(part.value)
                elif isinstance(part, ast.FormattedValue):
                    try:
                        with running(Budget(limits or Limits(), cpu_left_s=1.0)):
                            numbers = [str(_constant(part.value))]
                    except (Exception, ScriptLimitExceeded):  # noqa: BLE001 - left to run time
                        numbers = []
                if any(len(n) > 5 or (n.isdigit() and int(n) > MAX_FORMAT_WIDTH) for n in numbers):
                    problems.append(f"第 {node.lineno} 行：格式宽度或精度超过上限（{MAX_FORMAT_WIDTH}）")
    return list(dict.fromkeys(problems))


def _always_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _leaves(loop: ast.While) -> bool:
    """A break of this loop (not of a nested one), a return or a raise."""
    stack: list[ast.AST] = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Break, ast.Return, ast.Raise, ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.For, ast.While, ast.FunctionDef, ast.Lambda)):
            stack.extend(n for n in getattr(node, "orelse", []))
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _constant(node: ast.AST):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bytes)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_constant(node.operand)
    if isinstance(node, ast.Tuple):
        return tuple(_constant(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_constant(e) for e in node.elts]
    if isinstance(node, ast.BinOp) and type(node.op) in _STATIC_BINOPS:
        return _STATIC_BINOPS[type(node.op)](_constant(node.left), _constant(node.right))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _STATIC_CALLS
        and not node.keywords
    ):
        return _STATIC_CALLS[node.func.id](*[_constant(a) for a in node.args])
    raise _NotConstant()
