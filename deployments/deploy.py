"""`make deploy`: register Rantai with the Prefect server at PREFECT_API_URL, from
`deployments/prefect.yaml`: the process work pool (created when missing), the deployments
(`daily-chain` at 06:00 Asia/Jakarta, `rerun` on demand) and the Automation that tells
operators about every Stalled run. Safe to run again: everything is created or updated.

    PREFECT_API_URL=http://127.0.0.1:4200/api python -m deployments.deploy [--notify-url URL]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
PREFECT_FILE = PROJECT_DIR / "deployments" / "prefect.yaml"
_ENV_TEMPLATE = re.compile(r"\{\{\s*\$(\w+)\s*\}\}")


@dataclass(frozen=True)
class Registered:
    """What a deploy did, for the operator who ran it."""

    lines: list[str]


def load_config(path: Path = PREFECT_FILE, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The deployments file with `{{ $VAR }}` filled from the environment.

    It is checked with Prefect's own model of prefect.yaml, so `prefect deploy` reads it too.
    `RANTAI_PROJECT_DIR` defaults to this checkout; `RANTAI_NOTIFY_URL` to the file's default.
    """
    from prefect.cli.deploy._models import PrefectYamlModel

    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    PrefectYamlModel.model_validate(raw)
    values = {"RANTAI_PROJECT_DIR": str(PROJECT_DIR), **(env if env is not None else os.environ)}
    for automation in raw.get("automations", []):
        values.setdefault("RANTAI_NOTIFY_URL", automation["notify"]["default_url"])
    return _fill(raw, values)


def _fill(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise KeyError(f"prefect.yaml uses ${name}, which is not set")
            return env[name]

        return _ENV_TEMPLATE.sub(lookup, value)
    if isinstance(value, list):
        return [_fill(v, env) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, env) for k, v in value.items()}
    return value


def ensure_work_pool(client: Any, name: str) -> str:
    """Create the process work pool when it is missing; refuse one of another type."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    try:
        pool = client.read_work_pool(name)
    except ObjectNotFound:
        client.create_work_pool(
            WorkPoolCreate(
                name=name,
                type="process",
                base_job_template=ProcessWorker.get_default_base_job_template(),
                description="Rantai's flow runs, one process each",
            )
        )
        return f"work pool {name} (process): created"
    if pool.type != "process":
        raise ValueError(f"work pool {name} exists with type {pool.type!r}, expected 'process'")
    return f"work pool {name} (process): already there"


def register_deployment(
    client: Any, spec: Mapping[str, Any], pull: list[dict[str, Any]]
) -> tuple[str, str]:
    """Create or update one deployment of the file (the server upserts by flow and name);
    returns its flow's name and a line for the operator."""
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint
    from prefect.utilities.callables import parameter_schema

    flow = load_flow_from_entrypoint(str(PROJECT_DIR / spec["entrypoint"]))
    schedules = [
        DeploymentScheduleCreate(
            schedule=CronSchedule(cron=s["cron"], timezone=s.get("timezone")),
            active=s.get("active", True),
        )
        for s in spec.get("schedules") or []
    ]
    pool = spec["work_pool"]
    flow_id = client.create_flow_from_name(flow.name)
    deployment_id = client.create_deployment(
        flow_id=flow_id,
        name=spec["name"],
        description=spec.get("description"),
        tags=spec.get("tags") or [],
        entrypoint=spec["entrypoint"],
        parameters=spec.get("parameters") or {},
        parameter_openapi_schema=parameter_schema(flow).model_dump(exclude_unset=True),
        enforce_parameter_schema=True,
        work_pool_name=pool["name"],
        work_queue_name=pool.get("work_queue_name"),
        job_variables=pool.get("job_variables") or {},
        pull_steps=pull,
        schedules=schedules,
    )
    # An upsert keeps the old schedules: make them the file's.
    deployment = client.read_deployment(deployment_id)
    for old in deployment.schedules:
        if not any(_same_schedule(old.schedule, new.schedule) for new in schedules):
            client.delete_deployment_schedule(deployment_id, old.id)
    when = ", ".join(f"cron {s['cron']} {s.get('timezone', 'UTC')}" for s in spec["schedules"])
    return flow.name, f"deployment {flow.name}/{spec['name']}: {when or 'on demand'}"


def _same_schedule(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a.model_dump() == b.model_dump()


def ensure_automation(client: Any, spec: Mapping[str, Any], flow_names: Sequence[str]) -> str:
    """The Automation on `prefect.flow-run.Stalled` that sends a notification to a webhook."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    notify = spec["notify"]
    block = CustomWebhookNotificationBlock(
        name=notify["block"],
        url=notify["url"],
        json_data={"subject": "{{subject}}", "body": "{{body}}", "source": "rantai"},
    )
    block_id = block.save(notify["block"], overwrite=True)
    automation = AutomationCore(
        name=spec["name"],
        description=spec.get("description", ""),
        enabled=True,
        trigger=EventTrigger(
            expect={spec["trigger"]["event"]},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={
                "prefect.resource.role": "flow",
                "prefect.resource.name": list(flow_names),
            },
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[
            SendNotification(
                block_document_id=block_id,
                subject="Rantai: {{ flow_run.name }} is Stalled",
                body=(
                    "{{ flow.name }} run {{ flow_run.name }} ended Stalled: "
                    "{{ flow_run.state.message }}\n{{ flow_run|ui_url }}"
                ),
            )
        ],
    )
    existing = client.read_automations_by_name(spec["name"])
    if existing:
        client.update_automation(existing[0].id, automation)
        for duplicate in existing[1:]:
            client.delete_automation(duplicate.id)
        state = "updated"
    else:
        client.create_automation(automation)
        state = "created"
    return f"automation {spec['name']}: on {spec['trigger']['event']}, notify {notify['url']} ({state})"


def deploy(config: Mapping[str, Any]) -> Registered:
    """Register the work pool(s), deployments and automations of a loaded deployments file."""
    from prefect.client.orchestration import get_client

    lines = []
    with get_client(sync_client=True) as client:
        for pool in dict.fromkeys(d["work_pool"]["name"] for d in config["deployments"]):
            lines.append(ensure_work_pool(client, pool))
        flow_names = []
        for spec in config["deployments"]:
            flow_name, line = register_deployment(client, spec, config.get("pull") or [])
            flow_names.append(flow_name)
            lines.append(line)
        for automation in config.get("automations", []):
            lines.append(ensure_automation(client, automation, flow_names))
    return Registered(lines=lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `make deploy`; exit status 0, or 2 with one line when it cannot deploy."""
    parser = argparse.ArgumentParser(prog="deploy", description=__doc__)
    parser.add_argument("--prefect-file", type=Path, default=PREFECT_FILE)
    parser.add_argument("--notify-url", help="where Stalled notifications go (RANTAI_NOTIFY_URL)")
    args = parser.parse_args(argv)
    from prefect.settings import PREFECT_API_URL

    api_url = PREFECT_API_URL.value()
    if not api_url:
        print(
            "deploy: PREFECT_API_URL is not set; start a server (make ui) and export "
            "PREFECT_API_URL=http://127.0.0.1:4200/api",
            file=sys.stderr,
        )
        return 2
    env = dict(os.environ)
    if args.notify_url:
        env["RANTAI_NOTIFY_URL"] = args.notify_url
    try:
        registered = deploy(load_config(args.prefect_file, env))
    except Exception as error:  # an unreachable server, a bad file: one line, not a traceback
        print(f"deploy: failed against {api_url}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"Registered with {api_url}:")
    for line in registered.lines:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
