"""Formatting of report cells by their column's kind (the exports format the same values)."""

from datetime import date

from django import template

register = template.Library()


@register.filter
def cell(value, kind):
    if value is None or value == "":
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "days":
        return f"{value:.1f}"
    if kind == "int":
        return f"{value:,}"  # en-US grouping, without the template engine's locale lookups
    if isinstance(value, date):
        return f"{value:%b} {value.day}, {value.year}"
    return value


@register.filter
def pct(value):
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def days(value):
    return "—" if value is None else f"{value:.1f} days"


@register.simple_tag
def table_cells(row, columns):
    return list(zip(row, columns))
