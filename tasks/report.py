"""The Monev report as a task: report.html and report.xlsx in the run's folder, and a link to
the report on the run page."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact
from prefect.cache_policies import NO_CACHE

from rantai.monev import write_report
from rantai.run_context import RunContext
from rantai.settings import Settings


def report_link(html: Path) -> str:
    """Where people open the report: under RANTAI_REPORT_URL when the output root is served
    over HTTP, else a file URL (on the machine or share that holds the folder)."""
    html = html.resolve()
    settings = Settings()
    if settings.report_url:
        try:
            relative = html.relative_to(settings.output_root().resolve())
            return settings.report_url.rstrip("/") + "/" + relative.as_posix()
        except ValueError:  # a folder given explicitly, outside the served root
            pass
    return html.as_uri()


@task(cache_policy=NO_CACHE, persist_result=False)
def write_monev_report(run: RunContext) -> str:
    """Write the Monev report into the run's folder and link it from the run page.

    The report shows regions and counts only; no NIK or name reaches it or the artifact.
    """
    as_of = run.as_of
    files = write_report(run.db_url, as_of, Path(run.out_dir), run.scope)
    link = report_link(files.html)
    totals = files.monev.totals
    create_link_artifact(
        link=link,
        link_text=f"Laporan Monev {as_of.isoformat()} (report.html)",
        key="monev-report",
        description=(
            f"Monev report as of {as_of.isoformat()}: {totals['stalled_steps']} stalled steps, "
            f"{totals['workers_active']:,} of {totals['workers_targeted']:,} workers covered. "
            f"Every table in full: {files.xlsx.name} beside it."
        ),
    )
    get_run_logger().info("Wrote %s and %s", files.html, files.xlsx)
    return link
