"""What production installs: the wheel of `pip install .` holds the runtime package only.

The demo (data generator, local PostgreSQL, SMTP sink) and the benchmark are dev tools in
tools/alertas_dev; the compose stack mounts them into the one-shot `dms-init` service only.
"""

import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_alertas_rapidas_without_demo_or_bench(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("alertas_rapidas-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names if name.endswith(".py")}
    assert packages == {"alertas_rapidas"}, packages
    assert "alertas_rapidas/engine/family.py" in names
    # the Alertas page's built bundle ships, its React sources and node_modules do not
    assert "alertas_rapidas/ui/static/alertas-ui.js" in names
    assert not [n for n in names if "/ui/react/" in n]
    assert not [n for n in names if "/demo/" in n or "/bench/" in n or "alertas_dev" in n]


def test_only_dms_init_mounts_the_dev_tools():
    services = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())["services"]
    mounting = sorted(
        name
        for name, service in services.items()
        for volume in service.get("volumes", [])
        if isinstance(volume, str) and volume.startswith("./tools")
    )
    assert mounting == ["dms-init"]
