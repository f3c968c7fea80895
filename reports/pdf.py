"""PDF of the report: the report page printed by headless Chromium, charts included.

Chromium runs the page's Chart.js like a browser would, which an HTML-to-PDF
library without JavaScript cannot. The PDF of a frozen report is rendered once
and kept beside the campaign's archive.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from ingestion.archive import archive_dir

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--virtual-time-budget=8000", "--no-pdf-header-footer",
]


class PdfUnavailable(Exception):
    pass


def chromium_path() -> str | None:
    return shutil.which(settings.SOCAP_CHROMIUM) or shutil.which("chromium") or shutil.which("chromium-browser")


def _inline(path: str) -> str:
    return Path(finders.find(path)).read_text()


def render_pdf(context: dict, target: Path) -> Path:
    browser = chromium_path()
    if browser is None:
        raise PdfUnavailable("PDF rendering needs Chromium (Debian package `chromium`).")
    html = render_to_string("reports/report_print.html", {
        **context,
        "inline_css": _inline("css/socap.css") + _inline("reports/report.css"),
        "inline_js": _inline("vendor/chart-4.6.1.umd.min.js") + "\n" + _inline("reports/report.js"),
    })
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="socap-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html)
        partial = Path(tmp) / "report.pdf"
        completed = subprocess.run(  # noqa: S603 - no shell; the browser is the configured executable
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={partial}",
             page.as_uri()],
            capture_output=True, timeout=120, check=False,
        )
        if completed.returncode != 0 or not partial.exists() or partial.stat().st_size == 0:
            raise PdfUnavailable(f"Chromium could not print the report: {completed.stderr.decode()[-500:]}")
        shutil.move(partial, target)
    return target


def report_pdf(campaign, context: dict, frozen: bool) -> Path:
    if frozen:
        target = archive_dir(campaign.mongo_id) / "report.pdf"
        if target.exists():
            return target
        return render_pdf(context, target)
    return render_pdf(context, Path(tempfile.mkdtemp(prefix="socap-preview-")) / "report.pdf")
