"""The shop's KPIs: their definitions and checks (kpis.yml), each day's evaluation, and
the morning report."""

from flows.kpis.checks import KpiReport, KpiResult, check_kpis
from flows.kpis.definitions import KPIS_FILE, Kpi, KpiFile, load_kpis

__all__ = ["KPIS_FILE", "Kpi", "KpiFile", "KpiReport", "KpiResult", "check_kpis", "load_kpis"]
