"""How outcome statistics are grouped: chosen by the routes and the console, read by the queries."""

from __future__ import annotations

from enum import StrEnum


class GroupBy(StrEnum):
    ORGANISATION = "organisation"
    CATEGORY = "category"
    SUBCATEGORY = "subcategory"
    FINANCIAL_YEAR = "financial_year"
    MONTH = "month"
