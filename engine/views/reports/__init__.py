"""统计报表: the 台账 (ledger.py) and its CSV / XLSX export (exports.py), the dashboard of a county or
township (dashboard.py), and what area and period a report covers (scope.py)."""

from engine.views.reports.dashboard import Dashboard, Durations, dashboard, durations, percentile
from engine.views.reports.exports import export_csv, export_xlsx
from engine.views.reports.ledger import LedgerPage, LedgerRow, ledger
from engine.views.reports.scope import LedgerFilter

__all__ = [
    "Dashboard",
    "Durations",
    "LedgerFilter",
    "LedgerPage",
    "LedgerRow",
    "dashboard",
    "durations",
    "export_csv",
    "export_xlsx",
    "ledger",
    "percentile",
]
