"""Writing xlsx workbooks, as the NPS workbook and the export of a customer's data both do: sheets named as
Excel allows, tables of plain values, the same styles; built in memory, returned as bytes."""

import io
import json
import re
from datetime import date

import xlsxwriter

# characters Excel refuses in a sheet name, and its length limit
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
STYLES = {
    "title": {"bold": True, "font_size": 14},
    "header": {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"},
    "bold": {"bold": True},
    "date": {"num_format": "yyyy-mm-dd"},
    "wrap": {"text_wrap": True, "valign": "top"},
}


class XlsxBook:
    """An xlsx workbook written in memory. ``styles`` adds formats to :data:`STYLES` (name: properties);
    ``workbook`` is xlsxwriter's, for what tables do not cover (charts)."""

    def __init__(self, styles=None):
        self._output = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self._output, {"in_memory": True})
        self.styles = {name: self.workbook.add_format(props) for name, props in {**STYLES, **(styles or {})}.items()}
        self._sheet_names = set()

    def sheet(self, name):
        """A new sheet named ``name`` as Excel allows it: forbidden characters removed, 31 characters at most,
        made unique with a number if needed."""
        base = SHEET_NAME_FORBIDDEN.sub("", name or "").strip() or "-"
        candidate, number = base[:SHEET_NAME_MAX], 1
        while candidate.lower() in self._sheet_names:
            number += 1
            suffix = f" ({number})"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        self._sheet_names.add(candidate.lower())
        return self.workbook.add_worksheet(candidate)

    def table(self, sheet, header, rows, first_row=0):
        """``header`` on ``first_row``, then one line per row of ``rows`` (values in the header's order):
        ``None`` left blank, dates as dates, lists and dicts as JSON, the rest as is, wrapped."""
        sheet.write_row(first_row, 0, header, self.styles["header"])
        for line, values in enumerate(rows, start=first_row + 1):
            for col, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(line, col, value, self.styles["date"])
                    continue
                if isinstance(value, list | dict):
                    value = json.dumps(value, ensure_ascii=False)
                sheet.write(line, col, value, self.styles["wrap"])

    def content(self):
        """Close the workbook: its xlsx bytes."""
        self.workbook.close()
        return self._output.getvalue()


def xlsx_tables(sheets, width=18):
    """The xlsx bytes of ``sheets``, ``(title, header, rows)`` each, one table per sheet (see
    :meth:`XlsxBook.table`), columns ``width`` characters wide."""
    book = XlsxBook()
    for title, header, rows in sheets:
        sheet = book.sheet(title)
        book.table(sheet, header, rows)
        if header:
            sheet.set_column(0, len(header) - 1, width)
    return book.content()
