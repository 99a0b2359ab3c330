"""prefect.yaml deploys against a real local Prefect server and its schedule produces a scheduled run.

This proves the version pins (fastapi<0.151, sqlalchemy<2.1) keep Prefect 3.8.8's scheduler working.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def prefect_server(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_UI_ENABLED": "false",
        "WAGEWATCH_HOME": str(REPO),
    }
    env.pop("PREFECT_PROFILES_PATH", None)
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                pytest.fail("prefect server exited: " + (tmp_path / "server.log").read_text()[-2000:])
            time.sleep(1)
        else:
            pytest.fail("prefect server did not become healthy in 120 s")
        yield env, f"http://127.0.0.1:{port}/api"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_prefect_yaml_deploys_and_schedules_the_nightly_run(prefect_server):
    env, api = prefect_server
    subprocess.run(
        [PREFECT, "work-pool", "create", "wagewatch", "--type", "process"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=120,
    )
    deployed = subprocess.run(
        [PREFECT, "--no-prompt", "deploy", "--all"],
        check=False,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]

    deployments = httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()
    by_name = {d["name"]: d for d in deployments}
    assert {"nightly", "backfill", "retrain"} <= set(by_name)
    nightly = by_name["nightly"]
    assert nightly["schedules"][0]["schedule"]["cron"] == "30 2 * * *"
    assert nightly["schedules"][0]["schedule"]["timezone"] == "Asia/Shanghai"

    deadline = time.monotonic() + 90
    runs: list = []
    while time.monotonic() < deadline and not runs:
        runs = httpx.post(
            f"{api}/flow_runs/filter",
            timeout=10,
            json={
                "deployments": {"id": {"any_": [nightly["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            },
        ).json()
        time.sleep(2)
    assert runs, "the scheduler created no scheduled run for the nightly deployment"
    first = min(r["expected_start_time"] for r in runs)
    # 02:30 Asia/Shanghai is 18:30 UTC
    assert "T18:30:00" in first
