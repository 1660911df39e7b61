"""The command line works on a real database: deploy, people, parameters, warnings, drafts, backup."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from sqlalchemy import select

from engine import Engine
from engine.cli import main
from engine.store.models import AuditEvent
from tests.conftest import ROOT


def run(url, *args):
    result = CliRunner().invoke(main, ["--database-url", url, *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_commands_refuse_a_database_before_init_db(sqlite_url):
    code, out = run(sqlite_url, "deploy")
    assert code == 3 and "jiuzhu init-db" in out
    code, out = run(sqlite_url, "init-db")
    assert code == 0 and "数据库已就绪" in out
    assert run(sqlite_url, "deploy")[0] == 0


def test_deploy_people_parameters_and_backup(sqlite_url, tmp_path):
    assert run(sqlite_url, "init-db")[0] == 0
    assert run(sqlite_url, "deploy")[0] == 0
    code, out = run(sqlite_url, "deploy")
    assert code == 0 and "内容未变" in out
    assert run(sqlite_url, "add-area", "639001", "示范县")[0] == 0
    code, out = run(sqlite_url, "add-area", "123", "坏代码")  # 2, 4, 6, 9 or 12 digits
    assert code == 1 and "区划代码" in out
    assert (
        run(
            sqlite_url,
            "add-user",
            "owner",
            "--name",
            "钱工",
            "--role",
            "process_owner",
            "--area",
            "639001",
            "--password",
            "secret-1",
        )[0]
        == 0
    )
    code, out = run(sqlite_url, "set-parameters", "639001", "township_pay_first_limit=1500", "--by", "owner")
    assert code == 0 and Engine.open(sqlite_url).parameters("639001").get("township_pay_first_limit") == 1500
    code, out = run(sqlite_url, "rebuild-report-facts")
    assert code == 0 and "统计事实已重算：0 行" in out
    code, out = run(sqlite_url, "backup", str(tmp_path / "copy.sqlite3"))
    assert code == 0
    copy = Engine.open(f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    assert copy.parameters("639001").get("township_pay_first_limit") == 1500


def test_import_warnings_reports_bad_records(sqlite_url, tmp_path):
    run(sqlite_url, "init-db")
    run(sqlite_url, "seed-demo", "--no-cases")
    csv_file = tmp_path / "warnings.csv"
    csv_file.write_text(
        "warning_id,warning_type,pushed_on,area_code,name,id_number,phone,reason,needed_amount,emergency_place\n"
        "YJ-1,expense_surge,2026-11-20,639001002001,马丽,630102199208080027,13800000003,medical_expense,3000,南村\n"
        "YJ-2,expense_surge,2026-11-20,639001002001,赵某,630102199208080028,13800000006,medical_expense,1000,南村\n",
        encoding="utf-8",
    )
    code, out = run(sqlite_url, "import-warnings", str(csv_file))
    assert code == 1 and "新建案件 1 件" in out and "第 2 条（YJ-2）：公民身份号码：校验位不正确" in out
    code, out = run(sqlite_url, "import-warnings", str(csv_file))
    assert "新建案件 0 件，已导入过 1 条" in out


def test_a_draft_exported_unchanged_leaves_the_files_byte_for_byte(sqlite_url, tmp_path):
    run(sqlite_url, "init-db")
    run(sqlite_url, "seed-demo", "--no-cases")
    bpmn, forms = tmp_path / "bpmn", tmp_path / "forms"
    shutil.copytree(ROOT / "bpmn", bpmn)
    shutil.copytree(ROOT / "forms", forms)
    code, out = run(
        sqlite_url,
        "import-draft",
        "试改",
        "--by",
        "process_owner",
        "--bpmn",
        str(bpmn),
        "--forms",
        str(forms),
    )
    assert code == 0
    draft_id = out.split()[1]
    code, out = run(
        sqlite_url,
        "export-draft",
        draft_id,
        "--by",
        "process_owner",
        "--bpmn",
        str(bpmn),
        "--forms",
        str(forms),
    )
    assert code == 0 and "无变化" in out
    for folder, original in ((bpmn, ROOT / "bpmn"), (forms, ROOT / "forms")):
        for path in original.iterdir():
            assert (folder / path.name).read_bytes() == path.read_bytes()
    code, out = run(
        sqlite_url, "export-draft", draft_id, "--by", "auditor", "--bpmn", str(bpmn), "--forms", str(forms)
    )
    assert code == 1


def test_seed_demo_prints_its_summary_not_the_engine_s_task_log(tmp_path):
    """Run as a newcomer does (its own process, logging set up by the command)."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    command = [sys.executable, "-m", "engine.cli", "--database-url", url]
    subprocess.run([*command, "init-db"], check=True, capture_output=True, cwd=ROOT)
    seeded = subprocess.run([*command, "seed-demo"], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "演示案件" in seeded.stdout
    assert "spiff" not in seeded.stderr and len(seeded.stderr.splitlines()) < 5


def test_import_roster_reports_bad_records_and_names_the_county(sqlite_url, tmp_path):
    run(sqlite_url, "init-db")
    run(sqlite_url, "seed-demo", "--no-cases")
    csv_file = tmp_path / "dibao.csv"
    csv_file.write_text(
        "area_code,id_number,name,listed_on,valid_until,source\n"
        "639001001001,11010519491231002X,张秀英,2020-01-01,,县低保系统\n"
        "639001001001,110105194912310021,李四,2020-01-01,,县低保系统\n",
        encoding="utf-8",
    )
    code, out = run(sqlite_url, "import-roster", str(csv_file), "--roster", "dibao")
    assert code == 1 and "县级区划代码" in out
    code, out = run(sqlite_url, "import-roster", str(csv_file), "--roster", "dibao", "--county", "639001")
    assert (
        code == 1
        and "新增名册记录 1 条" in out
        and "第 2 条（110105194912310021）：公民身份号码：校验位不正确" in out
    )
    code, out = run(sqlite_url, "import-roster", str(csv_file), "--roster", "dibao", "--by", "county_mz")
    assert "新增名册记录 0 条，更新 1 条" in out


def test_import_roster_reads_gb18030_and_refuses_unreadable_files_in_chinese(sqlite_url, tmp_path):
    run(sqlite_url, "init-db")
    run(sqlite_url, "seed-demo", "--no-cases")
    gbk = tmp_path / "tekun.csv"  # what county systems export as often as UTF-8
    gbk.write_bytes(
        "area_code,id_number,name,listed_on,valid_until,source\n"
        "639001001001,11010519491231002X,欧阳娜,2020-01-01,,县特困系统\n".encode("gb18030")
    )
    code, out = run(sqlite_url, "import-roster", str(gbk), "--roster", "tekun", "--county", "639001")
    assert code == 0 and "新增名册记录 1 条" in out, out
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, out = run(sqlite_url, "import-roster", str(deep), "--roster", "tekun", "--county", "639001")
    assert code == 1 and "JSON 嵌套层数过深" in out, out
    binary = tmp_path / "junk.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04")
    code, out = run(sqlite_url, "import-roster", str(binary), "--roster", "tekun", "--county", "639001")
    assert code == 1 and "不是文本文件" in out, out


def test_compare_rosters_writes_the_months_ledger_once_and_audits_each_run(sqlite_url, tmp_path):
    assert run(sqlite_url, "init-db")[0] == 0
    assert run(sqlite_url, "deploy")[0] == 0  # the comparison's rule is a deployed DMN table
    listed = tmp_path / "edge.csv"
    listed.write_text(
        "area_code,id_number,name,income_per_capita\n"
        "639001001001,630122198505051004,王红梅,500\n"
        "639001001001,630122198001011009,李建国,\n",
        encoding="utf-8",
    )
    code, out = run(sqlite_url, "import-roster", str(listed), "--roster", "bianyuan", "--county", "639001")
    assert code == 0, out
    covered = tmp_path / "dibao.csv"
    covered.write_text("area_code,id_number,name\n639001001001,630122198001011009,李建国\n", encoding="utf-8")
    run(sqlite_url, "import-roster", str(covered), "--roster", "dibao", "--county", "639001")
    code, out = run(sqlite_url, "compare-rosters", "--county", "639001", "--month", "2026-11")
    assert code == 0 and "比对监测人口 2 人，未纳入救助 1 人，台账新增 1 条" in out, out
    code, out = run(sqlite_url, "compare-rosters", "--county", "639001", "--month", "2026-11")
    assert code == 0 and "台账新增 0 条" in out, out
    code, out = run(sqlite_url, "compare-rosters", "--county", "639001", "--month", "2026-13")
    assert code == 1 and "月份" in out
    code, out = run(sqlite_url, "monitoring-register", "--county", "639001")
    assert (
        code == 0 and "630122198001011009\t李建国\t低保、特困对象" in out and "王红梅\t低保边缘家庭" in out
    ), out
    eng = Engine.open(sqlite_url)
    try:
        assert [r.name for r in eng.coverage_ledger("2026-11", county="639001")] == ["王红梅"]
        with eng.db.read() as session:
            runs = session.scalars(select(AuditEvent).where(AuditEvent.action == "rosters_compared")).all()
        assert [r.data["added"] for r in runs] == [1, 0]
    finally:
        eng.close()
