"""The sandbox against a corpus: escape techniques reach nothing, runaways are stopped with a Chinese
message, and nothing a script raises leaves the step — except a real interrupt of the process."""

from __future__ import annotations

import pytest

from engine.workflow import sandbox
from engine.workflow.bounds import Limits
from engine.workflow.sandbox import SandboxEnvironment, SandboxViolation, ScriptError, check

pytestmark = pytest.mark.timeout(60)

# Classic ways out of a Python sandbox. Each must be refused at compile time or fail when run.
ESCAPES = [
    "import os",
    "from os import system",
    "__import__('os')",
    "x = __builtins__",
    "x = globals()",
    "x = locals()",
    "x = vars()",
    "x = dir()",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('x = 1')",
    "compile('1', 'x', 'eval')",
    "getattr(amount, 'real')",
    "setattr(data, 'x', 1)",
    "delattr(data, 'x')",
    "type(amount)",
    "object()",
    "super()",
    "help()",
    "breakpoint()",
    "exit()",
    "quit()",
    "input()",
    "memoryview(b'x')",
    "x = amount.__class__",
    "x = ().__class__.__bases__[0].__subclasses__()",
    "x = ''.__class__.__mro__[1].__subclasses__()",
    "x = [c for c in ().__class__.__base__.__subclasses__()]",
    "x = (lambda: 0).__globals__",
    "x = (lambda: 0).__code__",
    "def f(): pass\nx = f.__globals__",
    "def g():\n    yield 1\nx = g().gi_frame",
    "def g():\n    yield 1\nx = g().gi_code",
    "try:\n    1 / 0\nexcept Exception as e:\n    x = e.__traceback__",
    "try:\n    1 / 0\nexcept Exception as e:\n    x = e.__traceback__.tb_frame.f_globals",
    "x = '{0.__class__}'.format(amount)",
    "x = '{a.__class__}'.format_map({'a': 1})",
    "x = f'{amount.__class__}'",
    "x = str.format('{}', 1)",
    "x = str.join",
    "x = str.maketrans('a', 'b')",
    "class A:\n    pass",
    "class A(Exception):\n    pass",
    "_hidden = 1",
    "x = _getattr_",
    "x = _getiter_",
    "x = _tick_",
    "print('x')",
    "nonlocal x",
    "async def f(): pass",
    "x = [y async for y in z]",
    "try:\n    pass\nexcept* Exception:\n    pass",
    "x = amount.real.__class__",
    "x = data.__dict__",
    "x = data.__class__.__init__.__globals__",
    "data.x = 1",
    "x = {}.__class__.__subclasses__",
    "x = next.__self__",
    "x = range.__self__",
    "x = list.__init__",
    "x = [].append.__self__",
    "x = [].append.__func__",
    "x = hash.__module__",
    "raise SystemExit",
    "raise SystemExit(1)",
    "raise KeyboardInterrupt",
    "raise GeneratorExit",
    "raise BaseException('x')",
    "raise BaseExceptionGroup('x', [Exception()])",
    "try:\n    1 / 0\nexcept BaseException:\n    pass",
    "x = 1\ndel x\nx = __file__",
    "x = __name__",
    "x = __loader__",
    "x = __spec__",
    "x = sys.modules",
    "x = os.environ",
    "x = (1).__class__.__bases__",
    "x = [].__class__.__base__.__subclasses__()[0]",
    "x = True.__class__.__mro__",
    "x = sorted.__self__",
    "def f():\n    return f\nx = f.__closure__",
    "x = (x for x in [1]).gi_frame.f_back",
    "x = [1].pop.__self__.__class__",
    "x = now().__class__",
    "x = now.__self__",
    "x = param.__self__.session",
    "x = param.__func__",
]


@pytest.fixture
def env():
    return SandboxEnvironment(
        {
            "param": lambda name: {"limit": 1000}[name],
            "now": lambda: __import__("datetime").datetime(2026, 1, 1),
        }
    )


@pytest.mark.parametrize("code", ESCAPES)
def test_escape_techniques_reach_nothing(env, code):
    data = {"amount": 1, "data": {"k": 1}}
    with pytest.raises(
        (
            SandboxViolation,
            ScriptError,
            AttributeError,
            NameError,
            NotImplementedError,
            TypeError,
            SyntaxError,
        )
    ):
        env.execute(code, data)
    assert data == {"amount": 1, "data": {"k": 1}}


# Runaways: each stopped, with the reason in Chinese. Sizes come from the data so that the deploy
# check (tested below) cannot refuse them first.
RUNAWAYS = [
    ("x = 0\nwhile x >= 0:\n    x += 1", {}, "运行时间超过上限"),
    ("x = pow(10, n)", {"n": 10**8}, "整数过大"),
    ("x = 10 ** n", {"n": 10**8}, "整数过大"),
    ("x = 1 << n", {"n": 10**10}, "整数过大"),
    ("x = sum(range(n))", {"n": 10**12}, "range 的长度超过上限"),
    ("x = max(range(n))", {"n": 10**12}, "range 的长度超过上限"),
    ("x = 'x' * n", {"n": 10**10}, "占用内存超过上限"),
    ("x = [0] * n", {"n": 10**9}, "占用内存超过上限"),
    ("x = f'{1:>{n}}'", {"n": 10**10}, "格式宽度或精度超过上限"),
    ("x = f'{1.5:.{n}f}'", {"n": 10**10}, "格式宽度或精度超过上限"),
    ("x = '%*d' % (n, 1)", {"n": 10**10}, "格式宽度超过上限"),
    ("x = '%.*f' % (n, 1.5)", {"n": 10**10}, "格式精度超过上限"),
    ("s = 'x'\nfor i in range(n):\n    s = s + s", {"n": 64}, "占用内存超过上限"),
    ("s = 'x'\nfor i in range(n):\n    s += s", {"n": 64}, "占用内存超过上限"),
    ("s = [0]\nfor i in range(n):\n    s = s * 2", {"n": 64}, "占用内存超过上限"),
    ("s = 'x'\nfor i in range(n):\n    s = ''.join([s, s])", {"n": 64}, "占用内存超过上限"),
    ("s = 'x'\nfor i in range(n):\n    s = f'{s}{s}'", {"n": 64}, "占用内存超过上限"),
    ("s = 'x'\nfor i in range(n):\n    s = '%s%s' % (s, s)", {"n": 64}, "占用内存超过上限"),
    ("s = 'x'\nfor i in range(n):\n    s = s.replace('x', 'xx')", {"n": 64}, "占用内存超过上限"),
    ("s = [0]\nfor i in range(n):\n    s.extend(s)", {"n": 64}, "占用内存超过上限"),
    ("x = 'a'.ljust(n)", {"n": 10**10}, "占用内存超过上限"),
    ("x = 'a'.zfill(n)", {"n": 10**10}, "占用内存超过上限"),
    ("x = '\\t'.expandtabs(n)", {"n": 10**10}, "占用内存超过上限"),
    ("x = (1).to_bytes(n, 'big')", {"n": 10**10}, "占用内存超过上限"),
    ("x = round(5, -n)", {"n": 10**8}, "round 的位数超过上限"),
    ("x = []\nfor i in range(n):\n    x = [x, x]\ny = str(x)", {"n": 60}, "数据结构过大"),
    ("x = []\nfor i in range(n):\n    x = [x, x]\ny = x == [x, x]", {"n": 60}, "数据结构过大"),
    ("t = ()\nfor i in range(n):\n    t = (t, t)\ny = {t: 1}", {"n": 60}, "数据结构过大"),
    ("t = ()\nfor i in range(n):\n    t = (t, t)\ny = hash(t)", {"n": 60}, "数据结构过大"),
    ("t = ()\nfor i in range(n):\n    t = (t,)\ny = hash(t)", {"n": 1000}, "数据结构嵌套过深"),
    ("x = []\nfor i in range(n):\n    x = [x, x]", {"n": 60}, "数据结构过大"),  # stored in the case data
    ("def f(k):\n    return f(k - 1) + f(k - 1) if k else 1\nx = f(n)", {"n": 40}, "运行时间超过上限"),
    ("f = lambda k: f(k - 1) + f(k - 1) if k else 1\nx = f(n)", {"n": 40}, "运行时间超过上限"),
    ("def g():\n    while n:\n        yield 1\nx = sum(g())", {"n": 1}, "运行时间超过上限"),
    # Nothing kept, so the time limit and not the memory limit stops it, however fast the machine.
    ("x = [i for i in range(n) for j in range(n) if j < 0]", {"n": 10**6}, "运行时间超过上限"),
    (
        "x = 0\nwhile x >= 0:\n    try:\n        while x >= 0:\n            x += 1\n    except:\n        pass",
        {},
        "运行时间超过上限",
    ),
    (
        "x = 0\ntry:\n    while x >= 0:\n        x += 1\nfinally:\n    while x >= 0:\n        x += 1",
        {},
        "运行时间超过上限",
    ),
    ("l = []\nfor i in range(n):\n    l.append([0] * 10000)", {"n": 10**6}, "占用内存超过上限"),
    ("l = []\nfor i in range(n):\n    l.append(list(range(10000)))", {"n": 10**6}, "占用内存超过上限"),
]


@pytest.mark.parametrize(("code", "data", "message"), RUNAWAYS)
def test_runaways_are_stopped_with_a_chinese_message(code, data, message):
    env = SandboxEnvironment({}, Limits())
    context = dict(data)
    with pytest.raises(ScriptError) as caught:
        env.execute(code, context)
    assert message in str(caught.value)
    assert context == data  # nothing of the failed script reaches the task data


def test_expressions_are_bounded_too():
    env = SandboxEnvironment({}, Limits())
    with pytest.raises(ScriptError, match="整数过大"):
        env.evaluate("pow(10, n) > 0", {"n": 10**8})
    with pytest.raises(ScriptError, match="range 的长度超过上限"):
        env.evaluate("sum(range(n))", {"n": 10**12})


def test_expressions_may_not_change_the_data():
    env = SandboxEnvironment({}, Limits())
    members = [1]
    with pytest.raises(TypeError, match="表达式不能修改数据"):
        env.evaluate("members.append(2) or True", {"members": members})
    assert members == [1]


def test_all_code_of_one_step_shares_the_step_budget():
    env = SandboxEnvironment({}, Limits(cpu_ms=200, step_cpu_ms=300))
    spin = "x = 0\nwhile x >= 0:\n    x += 1"
    with pytest.raises(ScriptError, match="运行时间超过上限"):
        env.execute(spin, {})
    with pytest.raises(ScriptError, match="运行时间超过上限"):
        env.execute(spin, {})
    assert env.cpu_used < 1.0  # the second piece got what was left of the step's 300 ms, not 200 ms more
    with pytest.raises(ScriptError, match="运行时间已用完"):
        env.execute("y = 1", {})  # nothing left


def test_ordinary_code_runs_as_before(env):
    data = {"amount": 800, "members": [{"age": 70}, {"age": 8}], "name": "张三"}
    env.execute(
        "within = amount <= param('limit')\n"
        "elderly = len([m for m in members if m['age'] >= 60])\n"
        "total = sum(m['age'] for m in members)\n"
        "label = f'{name}：{amount:>6}元，{total / 2:.1f}'\n"
        "legacy = '%s %05d' % (name, amount)\n"
        "ok = isinstance(name, str) and isinstance(members, list) and str(amount) == '800'\n"
        "ages = sorted([m['age'] for m in members])\n"
        "key = {(1, 2): 'a'}[(1, 2)]\n"
        "year = now().year\n"
        "amount += 1\n",
        data,
    )
    assert (data["within"], data["elderly"], data["total"], data["amount"]) == (True, 1, 78, 801)
    assert data["label"] == "张三：   800元，39.0" and data["legacy"] == "张三 00800"
    assert data["ok"] is True and data["ages"] == [8, 70] and data["key"] == "a" and data["year"] == 2026


def test_a_missing_attribute_is_an_error(env):
    with pytest.raises(AttributeError, match="没有属性 yeer"):
        env.execute("x = now().yeer", {})


@pytest.mark.parametrize(
    "code",
    [
        "while True:\n    pass",
        "while 1:\n    x = 1",
        "x = pow(10, 10**8)",
        "x = 10 ** 10 ** 8",
        "x = sum(range(10**12))",
        "x = 'x' * 10**10",
        "x = [0] * 10**9",
        "x = f'{1:>{10**10}}'",
        "x = f'{1:>10000000000}'",
        "x = '%*d' % (10**10, 1)",
        "x = 1 << 10**10",
        "x = round(1, -10**8)",
    ],
)
def test_deploy_refuses_runaways_it_can_see(code):
    assert check(code, "exec"), code


def test_deploy_accepts_loops_that_can_end():
    assert check("while True:\n    if x:\n        break", "exec") == []
    assert check("def g():\n    while True:\n        yield 1", "exec") == []
    assert check("x = 10 ** 6 * 2 + len('%5d' % 3)", "exec") == []


class _Custom(BaseException):
    pass


@pytest.mark.parametrize("raised", [GeneratorExit, _Custom, BaseExceptionGroup])
def test_a_base_exception_from_inside_a_step_stays_in_the_step(raised):
    def helper():
        raise raised("x", [_Custom()]) if raised is BaseExceptionGroup else raised()

    env = SandboxEnvironment({"helper": helper}, Limits())
    with pytest.raises(ScriptError, match="引发了不允许的异常"):
        env.execute("helper()", {})
    with pytest.raises(ScriptError, match="引发了不允许的异常"):
        env.evaluate("helper()", {})


@pytest.mark.parametrize("signal", [KeyboardInterrupt, SystemExit])
def test_a_real_interrupt_of_the_worker_is_not_swallowed(signal):
    """Ctrl-C or a worker being stopped arrives as one of these while diagram code runs; diagram code
    cannot raise them itself (the names are not available), so they are the process's and pass on."""

    def interrupted():
        raise signal()

    env = SandboxEnvironment({"helper": interrupted}, Limits())
    with pytest.raises(signal):
        env.execute("try:\n    helper()\nexcept:\n    pass", {})


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("JIUZHU_SCRIPT_CPU_MS", "50")
    monkeypatch.setenv("JIUZHU_SCRIPT_MEMORY_MB", "8")
    monkeypatch.setenv("JIUZHU_STEP_CPU_MS", "500")
    assert Limits.from_environment() == Limits(cpu_ms=50, memory_mb=8, step_cpu_ms=500)
    monkeypatch.setenv("JIUZHU_SCRIPT_CPU_MS", "lots")
    with pytest.raises(ValueError, match="JIUZHU_SCRIPT_CPU_MS"):
        Limits.from_environment()


def test_configured_limits_apply_to_new_environments():
    try:
        sandbox.configure(Limits(memory_mb=1))
        with pytest.raises(ScriptError, match="每段代码 1 MB"):
            SandboxEnvironment({}).execute("x = 'x' * n", {"n": 2 * 1024 * 1024})
    finally:
        sandbox.configure(None)
