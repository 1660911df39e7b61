"""`jiuzhu` command line: database, deploy, people, parameters, timers, incidents, backup, demo."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from datetime import datetime
from pathlib import Path

import click

from engine import logs, parameters, paths, textfiles
from engine.errors import DomainError, FieldError, LintFailed, ValidationFailed
from engine.facade import Engine
from engine.store import schema
from engine.store.db import Database, default_url
from engine.store.schema import SchemaBehind
from engine.vocabulary import ROSTERS
from engine.workflow.lint import lint as lint_files
from engine.workflow.specs import SpecFiles


def _engine(ctx: click.Context) -> Engine:
    """The engine on a database already at this release's schema (`init-db` is the only command
    that changes it); refuses with what to run otherwise."""
    eng = Engine.open(ctx.obj["url"], migrate=False)
    try:
        schema.check(eng.db)
    except SchemaBehind as err:
        eng.close()
        click.echo(str(err), err=True)
        sys.exit(3)
    # Closed when the command ends, however it ends: an in-process caller (tests, a shell) finds the
    # SQLite file checkpointed and no connection left open.
    ctx.call_on_close(eng.close)
    return eng


@click.group()
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="SQLAlchemy URL; default: the SQLite file instance/jiuzhu.sqlite3",
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """救助 Jiuzhu — 临时救助 cases on SpiffWorkflow."""
    logs.setup()
    ctx.ensure_object(dict)
    ctx.obj["url"] = database_url or default_url()


def _fail(err: DomainError) -> None:
    click.echo(f"错误：{err.message}", err=True)
    for item in getattr(err, "errors", []) or getattr(err, "problems", []):
        click.echo(f"  - {getattr(item, 'message', item)}", err=True)
    sys.exit(1)


@main.command("init-db")
@click.pass_context
def init_db(ctx):
    """Create or upgrade the database schema (Alembic): the release step, run once per release before
    the servers and workers start (they refuse a database whose schema is behind)."""
    eng = Engine.open(ctx.obj["url"], migrate=True)
    click.echo(f"数据库已就绪：{eng.db.url}（结构版本 {schema.current_revision(eng.db)}）")
    eng.close()


@main.command()
@click.option("--bpmn", "bpmn_dir", default=None, help="default: bpmn/ of the release ($JIUZHU_HOME)")
@click.option("--forms", "forms_dir", default=None, help="default: forms/ of the release ($JIUZHU_HOME)")
@click.option("--by", default="system")
@click.option("--note", default=None)
@click.pass_context
def deploy(ctx, bpmn_dir, forms_dir, by, note):
    """Lint and deploy bpmn/ + forms/ as a new version (no-op when unchanged)."""
    try:
        result = _engine(ctx).deploy(bpmn_dir, forms_dir, by=by, note=note)
    except LintFailed as err:
        _fail(err)
    state = "新版本" if result.created else "内容未变，沿用版本"
    click.echo(f"{state} {result.version_id}（{result.content_hash[:12]}）；提示 {len(result.warnings)} 条")


@main.command()
@click.option("--bpmn", "bpmn_dir", default=None, help="default: bpmn/ of the release ($JIUZHU_HOME)")
@click.option("--forms", "forms_dir", default=None, help="default: forms/ of the release ($JIUZHU_HOME)")
def lint(bpmn_dir, forms_dir):
    """Check the files as deploy would, without deploying."""
    problems = lint_files(SpecFiles.from_dirs(bpmn_dir or paths.bpmn_dir(), forms_dir or paths.forms_dir()))
    for problem in problems:
        click.echo(f"[{problem.severity}] {problem}")
    errors = [p for p in problems if p.severity == "error"]
    click.echo(f"{len(errors)} 个错误，{len(problems) - len(errors)} 条提示")
    sys.exit(1 if errors else 0)


@main.command("export-draft")
@click.argument("draft_id", type=int)
@click.option("--by", required=True, help="the process owner exporting it")
@click.option("--bpmn", "bpmn_dir", default=None, help="default: bpmn/ of the release ($JIUZHU_HOME)")
@click.option("--forms", "forms_dir", default=None, help="default: forms/ of the release ($JIUZHU_HOME)")
@click.pass_context
def export_draft(ctx, draft_id, by, bpmn_dir, forms_dir):
    """Write a studio draft back into bpmn/ + forms/, the files under version control (unchanged
    files are left as they are, byte for byte)."""
    try:
        touched = (
            _engine(ctx)
            .studio()
            .export_folders(by, draft_id, bpmn_dir or paths.bpmn_dir(), forms_dir or paths.forms_dir())
        )
    except DomainError as err:
        _fail(err)
    click.echo(f"写入 {len(touched)} 个文件" + ("：" + "、".join(touched) if touched else "（无变化）"))


@main.command("import-draft")
@click.argument("name")
@click.option("--by", required=True, help="the process owner importing it")
@click.option("--bpmn", "bpmn_dir", default=None, help="default: bpmn/ of the release ($JIUZHU_HOME)")
@click.option("--forms", "forms_dir", default=None, help="default: forms/ of the release ($JIUZHU_HOME)")
@click.pass_context
def import_draft(ctx, name, by, bpmn_dir, forms_dir):
    """Start a studio draft from bpmn/ + forms/ (e.g. after a change reviewed in version control)."""
    try:
        draft_id = (
            _engine(ctx)
            .studio()
            .import_folders(by, name, bpmn_dir or paths.bpmn_dir(), forms_dir or paths.forms_dir())
        )
    except DomainError as err:
        _fail(err)
    click.echo(f"草稿 {draft_id} 已创建")


@main.command("add-area")
@click.argument("code")
@click.argument("name")
@click.option("--parent", default=None)
@click.pass_context
def add_area(ctx, code, name, parent):
    try:
        _engine(ctx).add_area(code, name, parent)
    except DomainError as err:
        _fail(err)
    click.echo(f"区划 {code} {name} 已保存")


@main.command("add-user")
@click.argument("username")
@click.option("--name", "display_name", required=True)
@click.option("--role", required=True)
@click.option("--area", "area_code", required=True)
@click.password_option()
@click.pass_context
def add_user(ctx, username, display_name, role, area_code, password):
    try:
        _engine(ctx).add_user(username, display_name, role, area_code, password=password)
    except DomainError as err:
        _fail(err)
    click.echo(f"用户 {username} 已添加")


@main.command("set-parameters")
@click.argument("county_code")
@click.argument("assignments", nargs=-1, required=True)
@click.option("--by", required=True)
@click.option("--reason", default=None)
@click.option("--effective-from", default=None, help="ISO date-time with zone; default now")
@click.pass_context
def set_parameters(ctx, county_code, assignments, by, reason, effective_from):
    """Set county parameters: NAME=NUMBER ... (a new audited version)."""
    try:
        values = parameter_assignments(assignments)
        start = _aware_datetime("--effective-from", effective_from) if effective_from else None
        version = _engine(ctx).set_parameters(county_code, values, by, start, reason)
    except ValidationFailed as err:
        _fail(err)
    click.echo(f"{county_code} 参数第 {version} 版已生效")


def parameter_assignments(assignments) -> dict:
    """NAME=NUMBER pairs (a list parameter: NAME=项；项) as values; every malformed one named (nothing is saved unless all parse)."""
    values, errors = {}, []
    for number, item in enumerate(assignments, start=1):
        name, equals, raw = item.partition("=")
        where = f"第 {number} 项（{item[:40]}）"
        if not equals or not name.strip():
            errors.append(FieldError(name.strip() or f"#{number}", f"{where}：应写成 参数名=数字"))
        elif parameters.is_list(name.strip()):
            values[name.strip()] = parameters.parse_entry(name.strip(), raw)
        elif not re.fullmatch(r"-?[0-9]{1,15}(\.[0-9]{1,15})?", raw.strip()):
            errors.append(FieldError(name.strip(), f"{where}：{name.strip()} 的值应为数字"))
        else:
            raw = raw.strip()
            values[name.strip()] = float(raw) if "." in raw else int(raw)
    if errors:
        raise ValidationFailed(errors, "参数未保存")
    return values


def _aware_datetime(option: str, raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ValidationFailed(
            [
                FieldError(
                    option, f"{option}：应为带时区的日期时间，如 2026-12-01T00:00:00+08:00（得到 {raw[:40]}）"
                )
            ],
            "参数未保存",
        )
    return value


@main.command("seed-demo")
@click.option("--no-cases", is_flag=True)
@click.pass_context
def seed_demo(ctx, no_cases):
    """Deploy the shipped diagrams and add demo areas, users (every role) and cases."""
    from engine import demo

    eng = _engine(ctx)
    eng.deploy(by="seed-demo")
    result = demo.seed(eng, with_cases=not no_cases)
    click.echo(
        f"演示用户新增 {result['users_added']} 个，演示案件 {len(result['cases_started'])} 件；"
        f"密码 {demo.DEMO_PASSWORD}"
    )


@main.command("import-warnings")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default=None, help="default: from the file name"
)
@click.option("--by", default=None, help="the importing clerk (default: the system)")
@click.pass_context
def import_warnings(ctx, path, fmt, by):
    """Start cases from the 低收入人口动态监测平台's warnings (CSV or JSON)."""
    fmt = fmt or ("json" if path.endswith(".json") else "csv")
    try:
        result = _engine(ctx).import_warnings(Path(path).read_bytes(), fmt, by)
    except DomainError as err:
        _fail(err)
    click.echo(
        f"新建案件 {len(result.started)} 件，已导入过 {len(result.skipped)} 条，错误 {len(result.errors)} 条"
    )
    for problem in result.errors:
        messages = "；".join(e["message"] for e in problem["errors"])
        click.echo(f"  第 {problem['record']} 条（{problem['warning_id'] or '无编号'}）：{messages}")
    sys.exit(1 if result.errors else 0)


@main.command("compare-rosters")
@click.option("--county", required=True, help="the county's 6-digit code")
@click.option("--month", required=True, help="the month compared, YYYY-MM")
@click.option("--by", default=None, help="the county clerk running it (default: the system)")
@click.pass_context
def compare_rosters(ctx, county, month, by):
    """每月一比对: the 未脱贫 / 返贫风险 / 边缘 populations against the 低保, 特困 and 临时救助 rolls; who is
    not covered goes into the county's 台账 for the month (running it again adds only the new ones)."""
    try:
        result = _engine(ctx).compare_rosters(month, county=county, by=by)
    except DomainError as err:
        _fail(err)
    click.echo(
        f"{result.county} {result.month}：比对监测人口 {result.compared} 人，未纳入救助 {result.uncovered} 人，"
        f"台账新增 {result.added} 条"
    )


@main.command("monitoring-register")
@click.option("--county", required=True, help="the county's 6-digit code")
@click.pass_context
def monitoring_register(ctx, county):
    """The low-income monitoring register (001 ¶3) as bpmn/monitoring_register.dmn decides it: one
    person a line, tab-separated (ID number, name, why)."""
    try:
        found = _engine(ctx).monitoring_register(county=county)
    except DomainError as err:
        _fail(err)
    for entry in found:
        click.echo(f"{entry.id_number}\t{entry.name}\t{entry.basis}")
    click.echo(f"监测名册共 {len(found)} 人", err=True)


@main.command("import-roster")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--roster",
    type=click.Choice(list(ROSTERS)),
    default=None,
    help="the roster of every record (default: each record's roster column)",
)
@click.option("--county", default=None, help="the county's 6-digit code (default: the importing clerk's)")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default=None, help="default: from the file name"
)
@click.option("--by", default=None, help="the importing county clerk (default: the system)")
@click.pass_context
def import_roster(ctx, path, roster, county, fmt, by):
    """Add the county's 低保 / 特困 / 建档立卡 / 返贫 rosters (CSV or JSON): a household's status counts
    only when a roster confirms it."""
    fmt = fmt or ("json" if path.endswith(".json") else "csv")
    try:
        text = textfiles.decode(Path(path).read_bytes())  # GB18030 as well as UTF-8, like the warnings
        result = _engine(ctx).import_roster(text, fmt, roster=roster, by=by, county=county)
    except DomainError as err:
        _fail(err)
    click.echo(f"新增名册记录 {result.added} 条，更新 {result.updated} 条，错误 {len(result.errors)} 条")
    for problem in result.errors:
        messages = "；".join(e["message"] for e in problem["errors"])
        click.echo(f"  第 {problem['record']} 条（{problem['id_number'] or '无身份证号'}）：{messages}")
    sys.exit(1 if result.errors else 0)


@main.command("fire-timers")
@click.option("--loop", is_flag=True, help="keep running as a worker (the same as `jiuzhu worker`)")
@click.pass_context
def fire_timers(ctx, loop):
    """Fire due timers once, or keep polling as a worker (--loop)."""
    if loop:
        ctx.invoke(worker)
        return
    click.echo(f"触发定时器 {_engine(ctx).fire_due()} 个")


@main.command()
@click.option(
    "--job-threads",
    type=int,
    default=1,
    show_default=True,
    help="jobs (scenario runs, exports, migrations) done at once by this worker",
)
@click.pass_context
def worker(ctx, job_threads):
    """The worker: fires timers within a second of their due time and does queued jobs. Run one or
    more per database (each timer and job is taken by one of them); stops cleanly on SIGTERM or Ctrl+C."""
    import signal

    from engine import metrics
    from engine import worker as worker_loop

    eng = _engine(ctx)
    metrics.watch_pool(eng.db)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo("工作进程已启动（定时器、后台任务）；Ctrl+C 结束", err=True)
    try:
        worker_loop.run(eng.uow(), stop=lambda: bool(stopping), job_threads=job_threads)
    except KeyboardInterrupt:
        stopping.append(True)
    eng.close()


@main.command()
@click.option("--bind", default=None, help="host:port or unix:/path (default $JIUZHU_BIND or 127.0.0.1:5000)")
@click.option("--workers", type=int, default=None, help="web worker processes (default $JIUZHU_WEB_WORKERS)")
@click.option(
    "--threads", type=int, default=None, help="threads per worker (default $JIUZHU_WEB_THREADS or 4)"
)
@click.pass_context
def serve(ctx, bind, workers, threads):
    """The production web server: gunicorn, several worker processes (docs/deploy.md). Checks the
    configuration and the database schema first; run `jiuzhu worker` beside it for the timers."""
    from web import server, settings

    server.prepare_environment()
    os.environ["DATABASE_URL"] = ctx.obj["url"]  # the workers read it from the environment
    problem = settings.preflight(ctx.obj["url"])
    if problem:
        click.echo(problem, err=True)
        sys.exit(3)
    server.serve(bind, workers, threads)


@main.command()
@click.argument("case_no")
@click.option("--by", required=True)
@click.pass_context
def retry(ctx, case_no, by):
    """Retry a case that needs attention from its failed step."""
    try:
        result = _engine(ctx).retry(case_no, by)
    except DomainError as err:
        _fail(err)
    click.echo(json.dumps(result, ensure_ascii=False, default=str))


@main.command("rebuild-report-facts")
@click.pass_context
def rebuild_report_facts(ctx):
    """Recompute the dashboards' report facts from the cases and the ledger (after rows were loaded
    around the engine, e.g. a bulk import; every step keeps them current otherwise)."""
    from engine.store import report_durations, report_facts

    eng = _engine(ctx)
    with eng.uow() as uow:
        rows = report_facts.rebuild(uow.session)
        histogram_rows = report_durations.rebuild(uow.session)
        uow.commit()
    click.echo(f"统计事实已重算：{rows} 行；时长分布 {histogram_rows} 行")


@main.command()
@click.argument("target", type=click.Path(dir_okay=False))
@click.pass_context
def backup(ctx, target):
    """Online backup of the SQLite database (for PostgreSQL use pg_dump, see README)."""
    db = Database(ctx.obj["url"])
    if not db.sqlite:
        click.echo("PostgreSQL：请使用 pg_dump -Fc -d <数据库> -f <文件>（见 README）", err=True)
        sys.exit(2)
    source_path = db.url.split("///", 1)[1]
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as dest:
        source.backup(dest)
    click.echo(f"已备份到 {target}（{Path(target).stat().st_size} 字节）")


if __name__ == "__main__":  # pragma: no cover
    main()
