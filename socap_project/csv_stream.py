"""CSV downloads streamed row by row, so a large table never sits whole in memory.

Every cell is written through `neutralise`: a text cell that begins with =, +, -, @, a tab or a
carriage return would be read as a formula by a spreadsheet (OWASP "CSV injection"), so it gets a
leading apostrophe. Numbers are left alone: -0.5 is a value, not a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """csv.writer writes each row here and gets the text back, for the response to stream."""

    def write(self, value):
        return value


def csv_response(rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    """`rows` (the header first) as an attachment; rows are formatted only as the client reads them."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow([neutralise(cell) for cell in row]) for row in rows),
                                     content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
