"""The report's tables as files: CSV (UTF-8 with a byte-order mark, so Excel reads Arabic), Excel
(one right-to-left sheet per table in Arabic, numbers as numbers), and the board's PDF report in
the policy PDF's look (WeasyPrint, shipped fonts, nothing fetched from the network)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.reports import charts, presenter, selectors
from casework.reports.periods import Period
from casework.reports.presenter import Table
from casework.reports.query import ReportQuery
from policy_engine.rendering import FONT_DIR, font_face_css, local_files_only_fetcher, policy_css


def _cell(value: Any) -> Any:
    return "" if value is None else value


def csv_bytes(tables: list[Table]) -> bytes:
    """Each table under its title, a blank line between tables."""
    out = io.StringIO()
    writer = csv.writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([table.title])
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([row.label, *(_cell(v) for v in row.values)])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def xlsx_bytes(tables: list[Table], *, period: Period, rtl: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active) if book.active is not None else None
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(title=table.key[:31])
        sheet.sheet_view.rightToLeft = rtl
        sheet.append([table.title])
        sheet["A1"].font = bold
        # The period as real dates (Excel shows them in the reader's own date format).
        sheet.append([_("From"), period.start, _("To"), period.end])
        for cell in ("B2", "D2"):
            sheet[cell].number_format = "yyyy-mm-dd"
        sheet.append([])
        sheet.append(table.columns)
        for cell in sheet[4]:
            cell.font = bold
        for row in table.rows:
            sheet.append([row.label, *(None if v in (None, "") else v for v in row.values)])
        sheet.column_dimensions["A"].width = 36
        for letter in "BCDEFG":
            sheet.column_dimensions[letter].width = 16
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _file_font(filename: str) -> str:
    return (FONT_DIR / filename).as_uri()


def board_report_html(*, query: ReportQuery, lang: str, association: Any) -> str:
    summary = selectors.report_summary(period=query.period, channel=query.channel)
    tables = presenter.tables(summary, period=query.period, lang=lang, links=False, channel=query.channel)
    by_key = {t.key: t for t in tables}
    rtl = lang == "ar"
    shown = []
    for key in ("channels", "outcomes", "funnel", "window", "satisfaction", "months", "services"):
        table = by_key[key]
        items = [
            (r.label, r.values[0])
            for r in table.rows
            if key not in ("channels", "services") or r is not table.rows[-1]
        ]
        chart = ""
        if table.chart == "bars" and any(v for _l, v in items):
            chart = charts.html_bars(items)
        elif table.chart == "columns" and any(v for _l, v in items):
            chart = charts.html_columns(items)
        shown.append({"table": table, "svg": chart})
    styles = "\n".join((font_face_css(_file_font, formats=("woff",)), policy_css()))
    return render_to_string(
        "reports/board_report.html",
        {
            "styles": styles,
            "lang": lang,
            "dir": "rtl" if rtl else "ltr",
            "association": association,
            "period_label": query.period.label(lang),
            "previous_label": query.period.previous().label(lang),
            "summary": summary,
            "tables": shown,
            "versions": selectors.policy_versions_approved(query.period),
            "comments": summary["satisfaction"]["comments"][:5],
            "generated": timezone.localtime(),
        },
    )


def board_report_pdf(*, request: HttpRequest, query: ReportQuery, lang: str) -> bytes:
    import weasyprint

    html = board_report_html(query=query, lang=lang, association=getattr(request, "association", None))
    pdf = weasyprint.HTML(
        string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=local_files_only_fetcher()
    ).write_pdf()
    assert isinstance(pdf, bytes)  # noqa: S101 - write_pdf() without a target returns the bytes
    return pdf
