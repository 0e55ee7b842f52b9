"""report.pdf: the report printed on A4 by headless Chromium, for the meeting's table.

The page numbers ("3 / 12") and the report's date are the page's CSS margin boxes (`@page {
@bottom-right { content: counter(page) ... } }` in the template), which Chromium prints since
version 131; its own header and footer (the file's URL and the time of printing) are left
out. An older Chromium ignores the margin boxes: it is then asked for its own footer instead,
which numbers the pages too. Tables break between rows and repeat their heads (the template's
print CSS: `tr { break-inside: avoid }`, `thead { display: table-header-group }`).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from rantai.monev.browser import find_chromium, print_pdf

# The first Chromium that prints CSS @page margin boxes.
MARGIN_BOXES_SINCE = 131


def chromium_major(executable: str) -> int | None:
    """The major version of a Chromium executable, None when it does not say."""
    try:
        result = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)\.\d+\.\d+", result.stdout)
    return int(found.group(1)) if found else None


def write_pdf(html: Path, pdf: Path, timeout: float = 300) -> Path:
    """Print report.html to `pdf` (written whole or not at all). Raises NoBrowser, saying
    how to install Chromium, when there is none."""
    major = chromium_major(find_chromium())
    own_footer = major is not None and major < MARGIN_BOXES_SINCE
    partial = pdf.with_name(f".{pdf.stem}.partial.pdf")
    print_pdf(html, partial, timeout=timeout, header_footer=own_footer)
    return partial.replace(pdf)
