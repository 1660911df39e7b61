"""Task forms rendered on the server from the task's JSON Schema (Draft 2020-12), and the posted
form read back into JSON for engine/ to validate with the same schema.

The schema decides the widget: objects become fieldsets, arrays of objects repeatable groups
(household members), arrays of enumerated strings check boxes, `oneOf` of `const` + `title` a choice
shown by its Chinese label, booleans 是/否, `"const": true` booleans a confirmation box, `format:
date` a date picker, integers a number field (with 元 when the description says the unit is 元).
Fields that only an `if`/`then` branch (or a `dependentSchemas` entry) requires are conditional:
they carry the `if` schema and are shown only while it holds (on the server when rendering, in the
browser by static/app.js while the user types). Hidden fields are not submitted, and their values
are dropped here too, so what is saved is what the user saw.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

MISSING = object()
ARRAY_MARK = "__array__"  # value of the hidden input that says "this list was on the form"
ITEM_SLOT = "__i__"  # replaced by the item's index when the browser adds an item
RADIO_MAX = 4
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")


@dataclass
class Field:
    """One field of a rendered form; `name` is the dotted path engine.forms uses in its errors."""

    key: str
    name: str
    kind: str  # object, array, multi, text, textarea, integer, number, date, select, radio, boolean, confirm
    title: str
    description: str | None = None
    required: bool = False
    value: Any = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    template: Field | None = None
    errors: list[str] = field(default_factory=list)
    conditions: list[dict] = field(default_factory=list)
    visible: bool = True
    attrs: dict = field(default_factory=dict)
    unit: str | None = None
    parent: str = ""
    autocomplete: str | None = None

    @property
    def conditions_json(self) -> str:
        return json.dumps(self.conditions, ensure_ascii=False, separators=(",", ":"))

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(child.has_errors for child in self.children)

    # Element ids: the label's `for`, the error summary's links and aria-describedby point at them.
    @property
    def control_id(self) -> str:
        """The id of the control a link to this field focuses: its input, its first choice, the
        first control of a group, the add button of an empty list."""
        if self.kind in ("radio", "boolean", "multi"):
            return f"f-{self.name}-0"
        if self.kind in ("object", "array"):
            shown = [c for c in self.children if c.visible]
            return shown[0].control_id if shown else f"f-{self.name}-add"
        return f"f-{self.name}"

    @property
    def help_id(self) -> str:
        return f"h-{self.name}"

    def error_id(self, number: int) -> str:
        return f"e-{self.name}-{number}"

    @property
    def described_by(self) -> str:
        """aria-describedby: the help text, then each error message."""
        ids = [self.help_id] if self.description else []
        return " ".join(ids + [self.error_id(n) for n in range(1, len(self.errors) + 1)])

    @property
    def input_type(self) -> str:
        """Phone numbers open the phone keypad on a phone."""
        return "tel" if self.key == "phone" or self.key.endswith("_phone") else "text"


# -- schema reading ------------------------------------------------------------------------------
def properties(schema: Mapping) -> dict[str, dict]:
    return dict(schema.get("properties") or {})


def enum_options(schema: Mapping) -> list[tuple[Any, str]]:
    """(value, label) of an enumerated field: `oneOf`/`anyOf` of `const` with `title`, or `enum`."""
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if branches and all(isinstance(b, dict) and "const" in b for b in branches):
            return [(b["const"], str(b.get("title", b["const"]))) for b in branches]
    if "enum" in schema:
        names = schema.get("x-enumNames") or [str(v) for v in schema["enum"]]
        return list(zip(schema["enum"], names))
    return []


def conditional_fields(schema: Mapping) -> dict[str, list[dict]]:
    """Field -> the `if` schemas under which it is asked (fields required in every case excluded)."""
    base = set(schema.get("required") or [])
    found: dict[str, list[dict]] = {}
    branches = [schema] + [b for b in schema.get("allOf") or [] if isinstance(b, dict)]
    for branch in branches:
        condition = branch.get("if")
        if isinstance(condition, dict):
            for part, when in (("then", condition), ("else", {"not": condition})):
                for key in _asked_by(branch.get(part)):
                    if key not in base:
                        found.setdefault(key, []).append(when)
    for trigger, dependent in (schema.get("dependentSchemas") or {}).items():
        for key in _asked_by(dependent):
            if key not in base and key != trigger:
                found.setdefault(key, []).append({"required": [trigger]})
    return found


def _asked_by(branch: Any) -> list[str]:
    if not isinstance(branch, dict):
        return []
    return list(branch.get("required") or []) + [
        k for k in properties(branch) if k not in (branch.get("required") or [])
    ]


@lru_cache(maxsize=256)
def _condition_validator(text: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(text))


def holds(condition: dict, data: Any) -> bool:
    return _condition_validator(json.dumps(condition, sort_keys=True)).is_valid(data)


def _visible(conditions: list[dict], data: Mapping) -> bool:
    return not conditions or any(holds(c, data) for c in conditions)


def _ordered(schema: Mapping, ui: Mapping | None) -> list[str]:
    keys = list(properties(schema))
    order = (ui or {}).get("ui:order")
    if not order:
        return keys
    listed = [k for k in order if k in keys]
    rest = [k for k in keys if k not in listed]
    if "*" in order:
        star = order.index("*")
        return listed[:star] + rest + listed[star:]
    return listed + rest


# -- building the fields ---------------------------------------------------------------------------
def build(
    schema: Mapping,
    data: Mapping | None = None,
    errors: Mapping[str, list[str]] | None = None,
    ui: Mapping | None = None,
    omit: Iterable[str] = (),
) -> Field:
    """The root field of a form for `schema`, filled with `data` and the errors by dotted path."""
    root = _object_field(
        "",
        "",
        schema,
        data if isinstance(data, Mapping) else {},
        errors or {},
        ui or {},
        required=True,
        omit=set(omit),
    )
    root.title = str(schema.get("title", ""))
    return root


def _object_field(
    key: str,
    name: str,
    schema: Mapping,
    data: Mapping,
    errors,
    ui,
    required: bool,
    omit: AbstractSet[str] = frozenset(),
) -> Field:
    prefix = f"{name}." if name else ""
    needed = set(schema.get("required") or [])
    conditional = conditional_fields(schema)
    children = []
    for child_key in _ordered(schema, ui):
        if child_key in omit:
            continue
        sub = properties(schema)[child_key]
        child = _field(
            child_key,
            prefix + child_key,
            sub,
            data.get(child_key, MISSING),
            errors,
            ui.get(child_key) or {},
            child_key in needed,
        )
        child.parent = prefix
        child.conditions = conditional.get(child_key, [])
        child.visible = _visible(child.conditions, data)
        if child.conditions:
            child.required = True  # asked only when its condition holds, and then required
        children.append(child)
    return Field(
        key,
        name,
        "object",
        str(schema.get("title", key)),
        schema.get("description"),
        required,
        children=children,
        errors=list(errors.get(name, [])),
    )


def _field(key: str, name: str, schema: Mapping, value: Any, errors, ui: Mapping, required: bool) -> Field:
    kind = _kind(schema, ui)
    description = ui.get("ui:help") or schema.get("description")
    if kind == "object":
        made = _object_field(
            key, name, schema, value if isinstance(value, Mapping) else {}, errors, ui, required
        )
        made.description = description
        if made.errors and not isinstance(value, Mapping):
            _name_blank_fields(made)
        return made
    made = Field(
        key,
        name,
        kind,
        str(schema.get("title", key)),
        description,
        required,
        errors=list(errors.get(name, [])),
        attrs=_limits(schema),
        autocomplete=ui.get("ui:autocomplete"),
    )
    if kind == "array":
        items_schema, item_ui = schema.get("items") or {}, ui.get("items") or {}
        items = value if isinstance(value, list) else []
        made.children = [
            _item(f"{name}.{i}", items_schema, item, errors, item_ui, i) for i, item in enumerate(items)
        ]
        made.template = _item(f"{name}.{ITEM_SLOT}", items_schema, MISSING, {}, item_ui, None)
    elif kind == "multi":
        made.value = [str(v) for v in value] if isinstance(value, list) else []
        made.options = [(str(v), label) for v, label in enum_options(schema.get("items") or {})]
    else:
        made.value = "" if value is MISSING or value is None else _form_text(value)
        made.options = (
            [("true", "是"), ("false", "否")]
            if kind == "boolean"
            else [(_form_text(v), label) for v, label in enum_options(schema)]
        )
        made.unit = "元" if kind == "integer" and "元" in str(schema.get("description", "")) else None
    return made


def _name_blank_fields(group: Field) -> None:
    """A group left blank is reported once ("申请人：必填"); say instead which fields inside it are
    needed, each beside its own control and in the error summary."""
    named = False
    for child in group.children:
        if child.required and child.visible and not child.conditions and not child.errors:
            child.errors = [f"{child.title}：必填"]
            if child.kind == "object":
                _name_blank_fields(child)
            named = True
    if named:
        group.errors = []


def _item(name: str, schema: Mapping, value: Any, errors, ui: Mapping, index: int | None) -> Field:
    label = f"{schema.get('title', '')} {index + 1}" if index is not None else str(schema.get("title", ""))
    made = _field(name.rsplit(".", 1)[1], name, schema, value, errors, ui, required=True)
    made.title = label.strip()
    return made


def _kind(schema: Mapping, ui: Mapping) -> str:
    widget = ui.get("ui:widget")
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        return "object"
    if kind == "array":
        items = schema.get("items") or {}
        return "multi" if enum_options(items) else "array"
    if kind == "boolean":
        return "confirm" if schema.get("const") is True else "boolean"
    options = enum_options(schema)
    if options:
        if widget in ("radio", "select"):
            return widget
        return (
            "radio"
            if len(options) <= RADIO_MAX and all(len(label) <= 12 for _v, label in options)
            else "select"
        )
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if schema.get("format") == "date":
        return "date"
    if widget == "textarea" or (schema.get("maxLength") or 0) > 200:
        return "textarea"
    return "text"


def _limits(schema: Mapping) -> dict:
    attrs = {}
    for key, attr in (
        ("minimum", "min"),
        ("maximum", "max"),
        ("maxLength", "maxlength"),
        ("minItems", "data-min-items"),
        ("maxItems", "data-max-items"),
    ):
        if key in schema:
            attrs[attr] = schema[key]
    return attrs


def _form_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


# -- reading the posted form back -----------------------------------------------------------------
def parse(schema: Mapping, form: Any, omit: Iterable[str] = ()) -> dict:
    """JSON data from a posted form (a werkzeug MultiDict). Values that do not parse as their type are
    kept as typed, so the schema reports them and the form shows them again."""
    return _parse_object(schema, form, "", set(omit))


def _parse_object(schema: Mapping, form, prefix: str, omit: AbstractSet[str] = frozenset()) -> dict:
    out: dict[str, Any] = {}
    for key, sub in properties(schema).items():
        if key in omit:
            continue
        value = _parse_value(sub, form, prefix + key)
        if value is not MISSING:
            out[key] = value
    conditional = conditional_fields(schema)
    changed = True
    while changed:  # a dropped field can switch off another one's condition (referral -> consent)
        changed = False
        for key, conditions in conditional.items():
            if key in out and not _visible(conditions, out):
                del out[key]
                changed = True
    return out


def _parse_value(schema: Mapping, form, name: str) -> Any:
    kind = _kind(schema, {})
    if kind == "object":
        value = _parse_object(schema, form, name + ".")
        return value if value else MISSING
    if kind == "multi":
        chosen = [v for v in form.getlist(name) if v and v != ARRAY_MARK]
        item_type = (schema.get("items") or {}).get("type")
        chosen = [_scalar(v, item_type) for v in chosen]
        return chosen if chosen or ARRAY_MARK in form.getlist(name) else MISSING
    if kind == "array":
        items = []
        items_schema = schema.get("items") or {}
        for index in _indices(form, name):
            item = _parse_value(items_schema, form, f"{name}.{index}")
            if item is not MISSING:
                items.append(item)
        return items if items or ARRAY_MARK in form.getlist(name) else MISSING
    raw = form.get(name)
    if raw is None:
        return MISSING
    raw = raw.strip()
    if raw == "":
        return MISSING
    if kind in ("boolean", "confirm"):
        return {"true": True, "false": False}.get(raw, raw)
    if kind in ("radio", "select"):
        for value, _label in enum_options(schema):
            if _form_text(value) == raw:
                return value
        return raw
    return _scalar(raw, schema.get("type"))


def _scalar(raw: str, kind: Any) -> Any:
    if kind == "integer":
        text = raw.translate(FULL_WIDTH_DIGITS).replace(",", "").replace("，", "")
        return int(text) if re.fullmatch(r"-?[0-9]{1,15}", text) else raw
    if kind == "number":
        text = raw.translate(FULL_WIDTH_DIGITS).replace("．", ".")
        try:
            return float(text) if re.fullmatch(r"-?[0-9]{1,15}(\.[0-9]{1,15})?", text) else raw
        except ValueError:
            return raw
    return raw


def _indices(form, name: str) -> list[int]:
    found = set()
    start = name + "."
    for key in form:
        if key.startswith(start):
            head = key[len(start) :].split(".", 1)[0]
            if head.isascii() and head.isdigit() and len(head) <= 6:  # a repeated row, not junk
                found.add(int(head))
    return sorted(found)


# -- errors and read-only display -----------------------------------------------------------------
@dataclass
class FormView:
    """A form ready for the template: its fields, the errors no field shows, all errors by path."""

    form: Field
    unplaced: list[str]
    errors: Mapping[str, list[str]]
    outside: tuple[str, ...] = ()

    @property
    def summary(self) -> list[tuple[str | None, str]]:
        """(id of the control to go to, message) for every error, in the order of the page: the
        fields the page renders itself first (the area picker), then the form's fields; messages
        with no field last, with no link. A field inside a group is named with its group
        ("申请人 · 姓名：必填"), as the agent's fields have the same titles."""
        found = [(f"f-{path}", m) for path in self.outside for m in self.errors.get(path, [])]

        def walk(f: Field, groups: tuple[str, ...]) -> None:
            if not f.visible:
                return
            found.extend((f.control_id, " · ".join(groups + (m,))) for m in f.errors)
            inner = groups + (f.title,) if f.name and f.kind == "object" else groups
            for child in f.children:
                walk(child, inner)

        walk(self.form, ())
        return found + [(None, m) for m in self.unplaced]


def view(
    schema: Mapping,
    data: Mapping | None = None,
    errors: Mapping[str, list[str]] | None = None,
    ui: Mapping | None = None,
    omit: Iterable[str] = (),
    outside: Iterable[str] = (),
) -> FormView:
    """`outside`: paths of fields the page renders itself (e.g. area_code), not listed above the form."""
    errors = errors or {}
    root = build(schema, data, errors, ui, omit)
    outside = tuple(outside)
    inside = {path: messages for path, messages in errors.items() if path not in set(outside)}
    return FormView(root, unplaced_errors(root, inside), errors, outside)


def errors_by_path(field_errors: Iterable) -> dict[str, list[str]]:
    """engine.errors.FieldError list -> {dotted path: [messages]}."""
    found: dict[str, list[str]] = {}
    for error in field_errors:
        found.setdefault(error.path, []).append(error.message)
    return found


def unplaced_errors(root: Field, by_path: Mapping[str, list[str]]) -> list[str]:
    """Messages whose path matches no shown field (they go above the form)."""
    shown: set[str] = set()

    def walk(f: Field) -> None:
        if f.visible:
            shown.add(f.name)
            for child in f.children:
                walk(child)

    walk(root)
    return [m for path, messages in by_path.items() if path not in shown for m in messages]


@dataclass
class Shown:
    """A read-only line: a label and either a text or nested lines (objects, list items)."""

    title: str
    text: str = ""
    children: list[Shown] = field(default_factory=list)


def describe(schema: Mapping | None, data: Any) -> list[Shown]:
    """The data as label/value lines, labels and enum values in Chinese from the schema."""
    schema = schema or {}
    if not isinstance(data, Mapping):
        return []
    lines = []
    props = properties(schema)
    for key in list(props) + [k for k in data if k not in props]:
        if key in data:
            lines.append(_shown(props.get(key) or {}, key, data[key]))
    return lines


def _shown(schema: Mapping, key: str, value: Any) -> Shown:
    title = str(schema.get("title", key))
    if isinstance(value, Mapping):
        return Shown(title, children=describe(schema, value))
    if isinstance(value, list):
        items = schema.get("items") or {}
        if all(not isinstance(v, (Mapping, list)) for v in value):
            return Shown(title, "、".join(_label(items, v) for v in value) or "（无）")
        return Shown(title, children=[_numbered(_shown(items, key, v), i) for i, v in enumerate(value)])
    return Shown(title, _label(schema, value))


def _numbered(line: Shown, index: int) -> Shown:
    line.title = f"{line.title} {index + 1}"
    return line


def _label(schema: Mapping, value: Any) -> str:
    for option, label in enum_options(schema):
        if option == value:
            return label
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None:
        return ""
    unit = "元" if schema.get("type") == "integer" and "元" in str(schema.get("description", "")) else ""
    return f"{value}{(' ' + unit) if unit else ''}"
