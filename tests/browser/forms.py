"""Filling the server-rendered schema forms the way a clerk does: typing, choosing, adding list items."""

from __future__ import annotations


def _text(value) -> str:
    return "true" if value is True else "false" if value is False else str(value)


def fill_form(page, data: dict, prefix: str = "") -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            fill_form(page, value, name + ".")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            add = page.locator(f'.field[data-name="{name}"] > fieldset > button.add-item')
            for i, item in enumerate(value):
                add.click()
                fill_form(page, item, f"{name}.{i}.")
        elif isinstance(value, list):
            for item in value:
                page.check(f'input[name="{name}"][value="{_text(item)}"]')
        else:
            control = page.locator(f'[name="{name}"]').first
            kind = control.evaluate("e => e.tagName + ':' + (e.type || '')")
            if kind == "INPUT:radio":
                page.check(f'input[name="{name}"][value="{_text(value)}"]')
            elif kind == "INPUT:checkbox":
                if value:
                    control.check()
            elif kind.startswith("SELECT"):
                control.select_option(_text(value))
            else:
                control.fill(_text(value))


def open_task(page, name: str, case_no: str | None = None):
    """From the inbox, open the task `name` (of case `case_no`) with its 办理 button."""
    page.goto("/")
    row = page.locator("tr[data-task-id]").filter(has_text=name)
    if case_no:
        row = row.filter(has_text=case_no)
    row.first.get_by_role("link", name="办理").click()
    page.wait_for_selector("form.schema-form")


def submit(page) -> None:
    page.locator("form.schema-form button[type=submit]:not([name=_action])").click()
    page.wait_for_load_state("load")
