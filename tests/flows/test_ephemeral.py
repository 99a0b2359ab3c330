"""The CLI starts Prefect's ephemeral server early (pipelines/flows/ephemeral.py); the flow then uses that server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pipelines.flows.ephemeral import EarlyServer

PROBE = """
import json
from pipelines.flows.ephemeral import EarlyServer
server = EarlyServer()
waited = server.ready()
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.server.api.server import SubprocessASGIServer

@task(cache_policy=NO_CACHE, persist_result=False)
def double(x):
    return 2 * x

@flow
def probe():
    with get_client(sync_client=True) as client:
        return double(21), str(client.api_url)

started = SubprocessASGIServer()
answer, used = probe()
print(json.dumps({"starting": server.starting, "started": started.api_url, "used": used, "answer": answer}))
"""


def test_no_early_server_when_an_api_url_is_set(prefect_harness):
    server = EarlyServer()

    assert not server.starting
    assert server.ready() == 0.0


def test_the_flow_runs_on_the_server_started_early(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_EPHEMERAL_ENABLED": "true"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300, check=False
    )

    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["starting"] is True
    assert got["answer"] == 42
    assert got["used"].rstrip("/") == got["started"].rstrip("/")  # one server: the one started early
