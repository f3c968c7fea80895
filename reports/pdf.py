"""PDF of the report: the report page printed by headless Chromium, charts included.

Chromium runs the page's Chart.js like a browser would, which an HTML-to-PDF
library without JavaScript cannot. It runs only in a Celery task (reports/pdf_jobs.py),
never in a web request. What it prints on stderr may name paths and internals of
this machine: it goes to the log, never to the person who asked for the PDF.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--virtual-time-budget=8000", "--no-pdf-header-footer",
]


class PdfUnavailable(Exception):
    """No PDF could be printed. The message is safe to show anyone; the details are in the log."""


def chromium_path() -> str | None:
    return shutil.which(settings.SOCAP_CHROMIUM) or shutil.which("chromium") or shutil.which("chromium-browser")


def _inline(path: str) -> str:
    return Path(finders.find(path)).read_text()


def render_pdf(context: dict) -> bytes:
    """The printed report. Chromium's profile and the page live in a folder removed afterwards."""
    browser = chromium_path()
    if browser is None:
        raise PdfUnavailable("PDF rendering needs Chromium (Debian package `chromium`).")
    html = render_to_string("reports/report_print.html", {
        **context,
        "inline_css": _inline("css/socap.css") + _inline("reports/report.css"),
        "inline_js": _inline("vendor/chart-4.6.1.umd.min.js") + "\n" + _inline("reports/report.js"),
    })
    with tempfile.TemporaryDirectory(prefix="socap-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html)
        printed = Path(tmp) / "report.pdf"
        argv = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={printed}",
                page.as_uri()]
        try:
            completed = subprocess.run(  # noqa: S603 - no shell; the browser is the configured executable
                argv, capture_output=True, timeout=settings.SOCAP_PDF_RENDER_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as exc:
            logger.error("Chromium did not print the report within %s s: %s", exc.timeout,
                         (exc.stderr or b"").decode(errors="replace")[-2000:])
            raise PdfUnavailable("Printing the report took too long.") from exc
        if completed.returncode != 0 or not printed.exists() or printed.stat().st_size == 0:
            logger.error("Chromium could not print the report (exit %s): %s", completed.returncode,
                         completed.stderr.decode(errors="replace")[-2000:])
            raise PdfUnavailable("Chromium could not print the report.")
        return printed.read_bytes()
