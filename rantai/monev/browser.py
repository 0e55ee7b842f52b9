"""Headless Chromium (the Debian `chromium` package) to picture the report: a PNG of its first
screen, or the PDF that printing it on A4 gives."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# A4 at 150 dpi: the first screen is the first printed page, as people will see it.
A4_WINDOW = (1240, 1754)
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# No network, no first-run chores, no profile left behind: the report must stand alone.
# The same flags drive Chromium under Playwright (tests/operations), without --headless.
SANDBOX_FREE_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_FLAGS = ["--headless", *SANDBOX_FREE_FLAGS, "--hide-scrollbars"]


INSTALL = "install the Debian package (apt-get install -y chromium)"


class NoBrowser(RuntimeError):
    """No Chromium on this machine."""


def find_chromium() -> str:
    """The path of a Chromium executable (`RANTAI_CHROMIUM`, else on the PATH), or NoBrowser
    saying how to install one."""
    configured = os.environ.get("RANTAI_CHROMIUM")
    if configured:
        if not shutil.which(configured):
            raise NoBrowser(
                f"RANTAI_CHROMIUM={configured} is not an executable: unset it or {INSTALL}"
            )
        return configured
    for name in _NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise NoBrowser(f"no Chromium found: {INSTALL}")


def _chromium(args: list[str], timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="rantai-chromium-") as profile:
        result = subprocess.run(
            [find_chromium(), *_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"chromium exited {result.returncode}: {result.stderr[-2000:]}")


def screenshot(
    html: Path, png: Path, window: tuple[int, int] = A4_WINDOW, timeout: float = 120
) -> Path:
    """Save a PNG of the first screen of an HTML file."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    _chromium(
        [
            f"--screenshot={png.resolve()}",
            f"--window-size={window[0]},{window[1]}",
            html.resolve().as_uri(),
        ],
        timeout,
    )
    if not png.exists():
        raise RuntimeError(f"chromium wrote no screenshot of {html}")
    return png


def print_pdf(html: Path, pdf: Path, timeout: float = 120, header_footer: bool = False) -> Path:
    """Print an HTML file to PDF as a browser prints it (page size from its CSS @page);
    `header_footer`: with Chromium's own header and footer (title, URL, page numbers)."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.unlink(missing_ok=True)
    own = [] if header_footer else ["--no-pdf-header-footer"]
    _chromium([*own, f"--print-to-pdf={pdf.resolve()}", html.resolve().as_uri()], timeout)
    if not pdf.exists():
        raise RuntimeError(f"chromium wrote no PDF of {html}")
    return pdf
