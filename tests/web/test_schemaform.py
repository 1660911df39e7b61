"""The server-side form renderer on its own: widgets from the schema, conditions, reading posts back."""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug.datastructures import MultiDict

from web import schemaform

FORMS = Path(__file__).resolve().parents[2] / "forms"


def form(name: str) -> dict:
    return json.loads((FORMS / name).read_text(encoding="utf-8"))


def child(field, name):
    return next(c for c in field.children if c.key == name)


def test_widgets_follow_the_schema():
    root = schemaform.build(form("application.schema.json"))
    applicant = child(root, "applicant")
    assert applicant.kind == "object" and child(applicant, "hukou_local").kind == "boolean"
    assert child(root, "household_members").kind == "array"
    assert child(root, "household_categories").kind == "multi"
    reason = child(root, "reason")
    assert reason.kind == "select" and reason.options[2] == ("medical_expense", reason.options[2][1])
    assert reason.options[2][1].startswith("家庭成员罹患重特大疾病")
    assert child(root, "emergency_date").kind == "date"
    assert child(root, "needed_amount").kind == "integer" and child(root, "needed_amount").unit == "元"
    visit = schemaform.build(form("home-visit.schema.json"))
    assert (
        child(visit, "applicant_signed").kind == "confirm"
        and child(visit, "living_conditions").kind == "textarea"
    )


def test_conditional_fields_follow_their_if():
    schema = form("intake-review.schema.json")
    hidden = schemaform.build(schema, {})
    assert not child(hidden, "refusal_reason").visible and not child(hidden, "severity").visible
    refusing = schemaform.build(schema, {"intake_decision": "refuse"})
    assert child(refusing, "refusal_reason").visible and not child(refusing, "severity").visible
    nested = child(
        schemaform.build(form("application.schema.json"), {"applicant": {"hukou_local": False}}), "applicant"
    )
    assert child(nested, "residence_permit").visible


def test_contains_and_chained_conditions_prune_hidden_values():
    schema = form("referral.schema.json")
    posted = MultiDict(
        [
            ("referral_targets", "__array__"),
            ("referral_targets", "medical"),
            ("charity_consent", "true"),
            ("consent_record.signed_by", "张三"),
            ("consent_record.signed_on", "2026-11-20"),
        ]
    )
    assert schemaform.parse(schema, posted) == {"referral_targets": ["medical"]}
    posted.add("referral_targets", "charity")
    assert schemaform.parse(schema, posted)["consent_record"] == {
        "signed_by": "张三",
        "signed_on": "2026-11-20",
    }


def test_posted_values_are_typed_and_bad_ones_kept_for_the_error():
    schema = form("pay-first.schema.json")
    posted = MultiDict(
        {"amount": "1，200", "aid_way": "cash", "instalments": "两期", "referral_needed": "false"}
    )
    assert schemaform.parse(schema, posted) == {
        "amount": 1200,
        "aid_way": "cash",
        "instalments": "两期",
        "referral_needed": False,
    }


def test_list_items_are_compacted_and_empty_lists_kept():
    schema = form("application.schema.json")
    posted = MultiDict(
        [
            ("household_members", "__array__"),
            ("household_members.3.name", "李四"),
            ("household_members.7.name", ""),
            ("household_categories", "__array__"),
        ]
    )
    data = schemaform.parse(schema, posted)
    assert data["household_members"] == [{"name": "李四"}] and data["household_categories"] == []


def test_describe_uses_titles_and_labels():
    lines = schemaform.describe(
        form("intake-review.schema.json"), {"intake_decision": "accept", "complex_case": False}
    )
    assert [(line.title, line.text) for line in lines] == [
        ("审查结论", "受理"),
        ("困难情形复杂或属重大生活困难", "否"),
    ]
