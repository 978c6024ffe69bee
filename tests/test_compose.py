"""docker-compose.yml: PostGIS, the API and a worker configured through the CLI's own variables."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from geoservice.settings import Settings

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def test_services_and_settings_variables():
    doc = yaml.safe_load(COMPOSE.read_text())
    services = doc["services"]
    assert set(services) == {"db", "api", "worker"}
    assert services["db"]["image"].startswith("postgis/postgis")
    known = {f"GEOSERVICE_{name.upper()}" for name in Settings.model_fields}
    for name in ("api", "worker"):
        env = services[name]["environment"]
        assert set(env) <= known, f"{name} sets variables the settings do not read: {set(env) - known}"
        assert env["GEOSERVICE_DATABASE_URL"].startswith("postgresql://")
        assert "db" in services[name]["depends_on"]
    assert services["worker"]["command"][:2] == ["geoservice", "worker"]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is not installed")
def test_docker_compose_validates_the_file():
    result = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
