"""The shop's KPIs: their definitions and checks (kpis.yml), each day's evaluation, and
the morning report."""

from flows.kpis.checks import KpiReport, check_kpis, last_complete_day
from flows.kpis.definitions import KPIS_FILE, KpiFile, load_kpis

__all__ = ["KPIS_FILE", "KpiFile", "KpiReport", "check_kpis", "last_complete_day", "load_kpis"]
