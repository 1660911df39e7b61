"""Bad input on the command line ends in a Chinese message naming the row and field, a non-zero exit
status and nothing written — never a traceback (CliRunner re-raises any exception here)."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select

from engine import Engine, textfiles
from engine.errors import ValidationFailed
from engine.store.models import Case
from tests.engine.test_cli import run

HEADER = (
    "warning_id,warning_type,pushed_on,area_code,name,id_number,phone,reason,needed_amount,emergency_place\n"
)


def _row(warning_id: str, name: str = "马丽", amount: str = "3000") -> str:
    return (
        f"{warning_id},expense_surge,2026-11-20,639001002001,{name},630102199208080027,13800000003,"
        f"medical_expense,{amount},南村\n"
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("seeded") / "jiuzhu.sqlite3"
    run(f"sqlite:///{path}", "init-db")
    run(f"sqlite:///{path}", "seed-demo", "--no-cases")
    return path


@pytest.fixture
def demo_url(seeded, tmp_path):
    """A copy of the demo database (areas, users, deployed diagrams, no case) for each test."""
    shutil.copy(seeded, tmp_path / "demo.sqlite3")
    return f"sqlite:///{tmp_path / 'demo.sqlite3'}"


def _applicants(url: str) -> list[str]:
    eng = Engine.open(url)
    try:
        with eng.db.read() as session:
            return list(session.scalars(select(Case.applicant_name)))
    finally:
        eng.close()


def _version(url: str) -> int:
    eng = Engine.open(url)
    try:
        return eng.parameters("639001").version
    finally:
        eng.close()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["x=abc"], "第 1 项（x=abc）：x 的值应为数字"),
        (["emergency_pay_hours="], "emergency_pay_hours 的值应为数字"),
        (["emergency_pay_hours"], "第 1 项（emergency_pay_hours）：应写成 参数名=数字"),
        (["emergency_pay_hours=1.0e999"], "emergency_pay_hours 的值应为数字"),
        (["emergency_pay_hours=nan"], "emergency_pay_hours 的值应为数字"),
        (["emergency_pay_hours=²"], "emergency_pay_hours 的值应为数字"),
        (["emergency_pay_hours=0"], "急难救助受理后发放时限：应在 1–720 小时之间"),
        (["supplement_working_days=100000000"], "先行救助后补办手续时限：应在 1–250 工作日之间"),
        (["township_pay_first_limit=10.5"], "乡镇(街道)先行救助额度：应为整数（元）"),
        (["deep_poverty_area=2"], "本县是否属深度贫困地区：只能为 0 或 1"),
        (["publicity_days=5", "--effective-from", "tomorrow"], "--effective-from：应为带时区的日期时间"),
        (
            ["publicity_days=5", "--effective-from", "2026-12-01T00:00:00"],
            "--effective-from：应为带时区的日期时间",
        ),
    ],
)
def test_set_parameters_refuses_bad_input_and_saves_nothing(demo_url, args, said):
    code, out = run(demo_url, "set-parameters", "639001", *args, "--by", "process_owner")
    assert code == 1 and said in out, out
    assert _version(demo_url) == 0


def test_set_parameters_for_a_county_that_does_not_exist_is_refused(demo_url):
    code, out = run(demo_url, "set-parameters", "999999", "publicity_days=5", "--by", "process_owner")
    assert code == 1 and "没有这个县（999999）" in out
    code, out = run(demo_url, "set-parameters", "639001001", "publicity_days=5", "--by", "process_owner")
    assert code == 1 and "没有这个县" in out  # a township is not a county


def test_a_gb18030_warnings_file_is_read(demo_url, tmp_path):
    path = tmp_path / "warnings.csv"
    path.write_bytes((HEADER + _row("YJ-G1", "欧阳娜")).encode("gb18030"))
    code, out = run(demo_url, "import-warnings", str(path))
    assert code == 0 and "新建案件 1 件" in out
    assert _applicants(demo_url) == ["欧阳娜"]


def test_a_utf8_file_with_a_byte_order_mark_is_read(demo_url, tmp_path):
    path = tmp_path / "warnings.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + _row("YJ-B1")).encode("utf-8"))
    code, out = run(demo_url, "import-warnings", str(path))
    assert code == 0 and "新建案件 1 件" in out


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("junk.csv", bytes(range(256)) * 4, "文件：不是文本文件，或编码无法识别"),
        ("deep.json", ("[" * 100_000 + "]" * 100_000).encode(), "文件：JSON 嵌套层数过深"),
        ("long.json", b'[{"warning_id": "YJ-L", "needed_amount": ' + b"9" * 5001 + b"}]", "位数过多"),
        ("nul.csv", (HEADER + "YJ-N1,\x00\n").encode(), "文件：不是文本文件"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(demo_url, tmp_path, name, content, said):
    path = tmp_path / name
    path.write_bytes(content)
    code, out = run(demo_url, "import-warnings", str(path))
    assert code == 1 and said in out, out
    assert _applicants(demo_url) == []


@pytest.mark.parametrize("amount", ["²", "9" * 5001, "１２"])
def test_a_bad_number_is_named_with_its_row(demo_url, tmp_path, amount):
    path = tmp_path / "warnings.csv"
    path.write_text(HEADER + _row("YJ-1") + _row("YJ-2", amount=amount), encoding="utf-8")
    code, out = run(demo_url, "import-warnings", str(path))
    assert code == 1 and "第 2 条（YJ-2）：" in out and "新建案件 1 件" in out, out


def test_a_record_nested_deep_inside_json_is_an_error_of_that_record(demo_url, tmp_path):
    deep = json.loads("[" * 500 + "]" * 500)
    path = tmp_path / "w.json"
    path.write_text(json.dumps([{"warning_id": "YJ-D", "area_code": "639001002001", "name": deep}]))
    code, out = run(demo_url, "import-warnings", str(path))
    assert code == 1 and "第 1 条（YJ-D）" in out, out


def test_the_encoding_helper_reads_utf8_gb18030_and_refuses_binary():
    assert textfiles.decode("救助".encode()) == "救助"
    assert textfiles.decode(b"\xef\xbb\xbf" + "救助".encode()) == "救助"
    assert textfiles.decode("救助，㐀".encode("gb18030")) == "救助，㐀"
    with pytest.raises(ValidationFailed):
        textfiles.decode(b"\x89PNG\r\n\x1a\n\x00\x00")
