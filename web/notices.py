"""Who a written notice is issued in the name of, and its document number (文号).

A notice speaks for the level that decided: the township's people's government (or sub-district
office) for what it decided within its delegated limit, the county's civil affairs bureau, or the
county people's government — never the township for a decision the county took."""

from __future__ import annotations

from engine.vocabulary import LOCAL_TZ


def issuing_authority(level: str, area_code: str, areas: dict[str, str]) -> str:
    county = areas.get(area_code[:6], "")
    if level == "county":
        return f"{county}民政局"
    if level in ("county_gov", "coordination"):
        return f"{county}人民政府"
    township = areas.get(area_code[:9], "")
    return f"{township}{'办事处' if township.endswith('街道') else '人民政府'}"


def document_number(notice: dict, case_no: str, number: int) -> str:
    """E.g. 临救字〔2026〕000042-1号: the year issued, the case's sequence and the notice's order."""
    year = notice["issued_at"].astimezone(LOCAL_TZ).year
    return f"临救字〔{year}〕{case_no.rsplit('-', 1)[-1]}-{number}号"
