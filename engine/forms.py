"""Validate task data against its JSON Schema (Draft 2020-12, formats on) with Chinese messages.

Every failing field is reported at once, named by its title. ID numbers are checked against
GB 11643 (engine.id_numbers: length, birth date, check digit; the region code is information only)
on any property called `id_number` and on any string whose schema says `"x-id-number": true`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import SchemaError

from engine import id_numbers
from engine.errors import FieldError, ValidationFailed

ID_NUMBER_KEYWORD = "x-id-number"
BIND_KEYWORD = "x-bind"
TYPE_NAMES = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "是/否",
    "array": "列表",
    "object": "对象",
    "null": "空值",
}
FORMAT_NAMES = {
    "date": "日期（年-月-日）",
    "date-time": "日期时间",
    "email": "电子邮箱",
    "uri": "网址",
    "time": "时间",
}


def id_number_problem(value: str) -> str | None:
    """None when `value` is a valid 18-character ID number, else the reason in Chinese."""
    return id_numbers.problem(value)


def _id_number_keyword(validator, enabled, instance, schema):
    if enabled and isinstance(instance, str):
        problem = id_number_problem(instance)
        if problem:
            yield ValidationError(f"身份证号{problem}", validator="x-id-number")


def _properties_with_id_numbers(validator, properties, instance, schema):
    yield from Draft202012Validator.VALIDATORS["properties"](validator, properties, instance, schema)
    if not validator.is_type(instance, "object"):
        return
    value = instance.get("id_number")
    if (
        isinstance(value, str)
        and "id_number" in properties
        and not properties["id_number"].get(ID_NUMBER_KEYWORD)
    ):
        problem = id_number_problem(value)
        if problem:
            yield ValidationError(
                f"身份证号{problem}",
                validator="x-id-number",
                path=["id_number"],
                schema=properties["id_number"],
            )


TaskSchemaValidator = validators.extend(
    Draft202012Validator,
    {ID_NUMBER_KEYWORD: _id_number_keyword, "properties": _properties_with_id_numbers},
)


def binds(schema: Any) -> bool:
    """Whether the schema takes any keyword from the case data (`x-bind`)."""
    return BIND_KEYWORD in json.dumps(schema, ensure_ascii=False)


def bind(node: Any, data: dict) -> Any:
    """The schema as it stands for one case: each `x-bind` keyword (`{"maximum": "authority_limit"}`)
    takes its value from the case data, so a form can bound an amount by the deciding clerk's
    authority or require a reason when it differs from the computed standard. A keyword whose value
    the case does not have (None or absent) is left out."""
    if isinstance(node, list):
        return [bind(item, data) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: bind(v, data) for k, v in node.items() if k != BIND_KEYWORD}
    bound = node.get(BIND_KEYWORD)
    if isinstance(bound, dict):
        for keyword, key in bound.items():
            value = data.get(key) if isinstance(key, str) else None
            if value is not None:
                out[keyword] = value
    return out


def top_level_defaults(schema: dict) -> dict:
    """The `default` of each top-level field that declares one (`"default": null` on an optional
    field): the case data starts with them, so a decision table or condition can test an optional
    field the application left out (`medical_costs if medical_costs else None`) instead of failing
    on an undefined name."""
    return {
        name: copy.deepcopy(field["default"])
        for name, field in (schema.get("properties") or {}).items()
        if isinstance(field, dict) and "default" in field
    }


def schema_problems(schema: Any) -> list[str]:
    """Why `schema` is not a usable Draft 2020-12 schema (empty when it is)."""
    if not isinstance(schema, dict):
        return ["表单不是 JSON 对象"]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return [f"不是有效的 Draft 2020-12 模式：{err.message}"]
    return []


_validators: dict[Any, Any] = {}


def _validator_for(schema: dict, cache_key: Any | None):
    if cache_key is False:  # a schema bound to one case's data: built for this call only
        return TaskSchemaValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    key = cache_key if cache_key is not None else json.dumps(schema, sort_keys=True, ensure_ascii=False)
    validator = _validators.get(key)
    if validator is None:
        validator = TaskSchemaValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        _validators[key] = validator
    return validator


def validate(schema: dict, data: Any, cache_key: Any | None = None) -> None:
    """Raise ValidationFailed with every field error, or return when `data` is valid.

    `cache_key` names an immutable schema (version hash + file) so its validator is built once."""
    validator = _validator_for(schema, cache_key)
    errors = field_errors(validator.iter_errors(data), schema)
    if errors:
        raise ValidationFailed(errors)


def field_errors(errors: Iterable[ValidationError], root_schema: dict) -> list[FieldError]:
    seen: set[tuple[str, str]] = set()
    result: list[FieldError] = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        for field_error in _explain(error, root_schema):
            key = (field_error.path, field_error.message)
            if key not in seen:
                seen.add(key)
                result.append(field_error)
    return result


def _explain(error: ValidationError, root_schema: dict) -> list[FieldError]:
    path = [str(p) for p in error.absolute_path]
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        sub = (error.schema.get("properties") or {}).get(missing) if isinstance(error.schema, dict) else None
        if not _title(sub, ""):  # an if/then branch restates the field without its title: use the form's
            sub = _subschema(root_schema, path + [missing])
        return [FieldError(".".join(path + [missing]), f"{_title(sub, missing)}：必填")]
    if kind == "additionalProperties" or kind == "unevaluatedProperties":
        return [
            FieldError(".".join(path), f"{_title(_subschema(root_schema, path), '表单')}：含有未定义的字段")
        ]
    if kind in ("if", "allOf", "anyOf") and error.context:
        return [fe for sub in error.context for fe in _explain(sub, root_schema)]
    schema = error.schema if isinstance(error.schema, dict) else {}
    field_schema = _subschema(root_schema, path) or schema
    title = _title(field_schema, path[-1] if path else "表单")
    custom = field_schema.get("x-error-message") if isinstance(field_schema, dict) else None
    return [FieldError(".".join(path), f"{title}：{custom or _message(error)}")]


# Chinese message per JSON Schema keyword; {value} is the keyword's value in the schema.
MESSAGES = {
    "minimum": "不能小于 {value}",
    "maximum": "不能大于 {value}",
    "exclusiveMinimum": "应大于 {value}",
    "exclusiveMaximum": "应小于 {value}",
    "maxLength": "最多 {value} 个字符",
    "pattern": "格式不正确",
    "enum": "取值不在可选范围内",
    "const": "取值不在可选范围内",
    "oneOf": "取值不在可选范围内",
    "anyOf": "取值不在可选范围内",
    "minItems": "至少填写 {value} 项",
    "maxItems": "最多 {value} 项",
    "uniqueItems": "有重复的项",
    "multipleOf": "应为 {value} 的整数倍",
    "not": "取值不被允许",
}


def _message(error: ValidationError) -> str:
    kind, value = error.validator, error.validator_value
    if kind == "type":
        names = value if isinstance(value, list) else [value]
        return "应为" + "或".join(TYPE_NAMES.get(n, str(n)) for n in names)
    if kind == "minLength":
        return "不能为空" if value == 1 else f"至少 {value} 个字符"
    if kind == "format":
        return f"应为{FORMAT_NAMES.get(value, value)}格式"
    if kind == "x-id-number":
        return error.message.removeprefix("身份证号")
    return MESSAGES.get(kind, "取值不正确").format(value=value)


def _title(schema: Any, fallback: str) -> str:
    if isinstance(schema, dict) and schema.get("title"):
        return str(schema["title"])
    return fallback


def _subschema(root: dict, path: list[str]) -> dict:
    """The schema of the field at `path`, following properties/items (and if/then branches)."""
    node: Any = root
    for part in path:
        if not isinstance(node, dict):
            return {}
        if part.isdigit() and "items" in node:
            node = node["items"]
            continue
        node = _property_schema(node, part)
        if node is None:
            return {}
    return node if isinstance(node, dict) else {}


def _property_schema(node: dict, name: str) -> dict | None:
    props = node.get("properties") or {}
    if name in props:
        return props[name]
    for branch_key in ("then", "else"):
        branch = node.get(branch_key)
        if isinstance(branch, dict) and name in (branch.get("properties") or {}):
            return branch["properties"][name]
    for group in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(group) or []:
            if isinstance(branch, dict):
                found = _property_schema(branch, name)
                if found is not None:
                    return found
    dependent = node.get("dependentSchemas") or {}
    for branch in dependent.values():
        if isinstance(branch, dict) and name in (branch.get("properties") or {}):
            return branch["properties"][name]
    return None


# A list whose least length is a county parameter: `"x-min-items-param": "home_visit_min_staff"`. The
# form then asks for that many and says so, instead of the diagram silently sending the task back.
MIN_ITEMS_PARAM = "x-min-items-param"
# A choice among the county's own list: `"x-enum-param": "other_hardship_types"` offers exactly the
# items of that list parameter, so a type the county has not listed cannot be chosen.
ENUM_PARAM = "x-enum-param"
PARAMETER_KEYWORDS = (MIN_ITEMS_PARAM, ENUM_PARAM)


def parameter_names(schema: dict) -> set[str]:
    """The county parameters a form's fields are bound to (empty for most forms)."""
    found: set[str] = set()
    for field in (schema.get("properties") or {}).values():
        for keyword in PARAMETER_KEYWORDS:
            if isinstance(field, dict) and isinstance(field.get(keyword), str):
                found.add(field[keyword])
    return found


def bind_parameters(schema: dict, values: dict, units: dict[str, str] | None = None) -> dict:
    """The form with its parameter-bound fields set from the county's values: the least number of
    items, and the help text saying it (本县规定：不少于 2 人); the choices of a county list."""
    if not parameter_names(schema):
        return schema
    bound = json.loads(json.dumps(schema))
    for field in bound["properties"].values():
        if not isinstance(field, dict):
            continue
        listed = values.get(field.get(ENUM_PARAM)) if field.get(ENUM_PARAM) else None
        if isinstance(listed, list):
            field["oneOf"] = [{"const": item, "title": item} for item in listed]
        name = field.get(MIN_ITEMS_PARAM)
        if name is None or not isinstance(values.get(name), int | float):
            continue
        least = int(values[name])
        field["minItems"] = max(least, int(field.get("minItems", 0)))
        unit = (units or {}).get(name, "项")
        field["description"] = f"{field.get('description', '')}（本县规定：不少于 {least} {unit}）".lstrip()
    return bound
