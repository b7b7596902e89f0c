"""Every table of the report as CSV and as XLSX (openpyxl), from the same Table the page shows.

Text from the data (a claims administrator's name) could start with "=" and
be taken for a formula by a spreadsheet: such cells are written as text,
prefixed with an apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import io
from datetime import date

from imrsite.csvexport import csv_safe

from .selectors import Report, Table

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe_text(value: str) -> str:
    return csv_safe(value)


def _header(column) -> str:
    return f"{column.label} (%)" if column.kind == "pct" else column.label


def csv_cell(value, kind: str):
    if value is None:
        return ""
    if kind == "pct":
        return f"{value * 100:.1f}"
    if kind == "days":
        return f"{value:.1f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _safe_text(value)
    return value


def table_csv_rows(table: Table) -> tuple[list[str], list[list]]:
    """The table's header and rows as the CSV writes them (`imrsite.csvexport` streams and quotes them)."""
    return [_header(c) for c in table.columns], [
        [csv_cell(value, column.kind) for value, column in zip(row, table.columns)] for row in table.rows
    ]


def _sheet_title(text: str, used: set[str]) -> str:
    clean = "".join(ch for ch in text if ch not in '[]:*?/\\')[:31] or "Sheet"
    title, n = clean, 2
    while title in used:
        suffix = f" {n}"
        title, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def _write_sheet(workbook, table: Table, used: set[str]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(_sheet_title(table.title, used))
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        cells = []
        for value, column in zip(row, table.columns):
            cell = WriteOnlyCell(sheet, value=_safe_text(value) if isinstance(value, str) else value)
            if column.kind == "pct":
                cell.number_format = "0.0%"
            elif column.kind == "days":
                cell.number_format = "0.0"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)


def _about_sheet(workbook, report: Report, tables: list[Table], used: set[str]) -> None:
    sheet = workbook.create_sheet(_sheet_title("About", used))
    state = report.state
    sheet.append(["Period", report.period.label])
    sheet.append(["Figures refreshed", state.finished_at.isoformat() if state and state.finished_at else "not yet"])
    if report.mailing_note:
        sheet.append(["Mailing dates", report.mailing_note])
    for table in tables:
        sheet.append([table.title, table.definition])


def tables_xlsx(report: Report, tables: list[Table]) -> bytes:
    """One sheet per table, and an About sheet with each table's definition."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        _write_sheet(workbook, table, used)
    _about_sheet(workbook, report, tables, used)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
