"""The files that run Shelter Bridge in production, run or checked here as far as the
machine allows: the Procfile under honcho (gunicorn with deploy/gunicorn.conf.py, and the
scheduler process), the systemd units (`systemd-analyze verify`), the nginx example
(`nginx -t` where nginx is installed; its request size against the app's everywhere)."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from prometheus_client.parser import text_string_to_metric_families

from placement.config import from_environment

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
TOKEN = "scrape-" + uuid.uuid4().hex
BOOT_BUDGET = 30.0  # seconds for both processes to answer, on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def wait_for(port: int, path: str, process: subprocess.Popen, output: Path,
             deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"honcho exited early:\n{output.read_text()[-3000:]}")
        with suppress(OSError):
            if get(port, path)[0] == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{path} never answered 200:\n{output.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> int:
    """SIGTERM, as systemd and honcho's own Ctrl-C do; honcho passes it on to both."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
        raise


@pytest.fixture
def procfile_env(sqlite_template, tmp_path) -> dict:
    """Production settings on a migrated SQLite database (two processes share it well:
    WAL, a busy timeout, and the scheduler's file locks)."""
    database = tmp_path / "shelter-bridge.sqlite3"
    shutil.copyfile(sqlite_template, database)
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": f"sqlite:///{database}",
        "SHELTER_BRIDGE_ENV": "production",
        "SHELTER_BRIDGE_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": uuid.uuid4().hex,
        "NOTE_KEYS": Fernet.generate_key().decode(),
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "WEB_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.slow
def test_the_procfile_serves_pages_and_runs_the_scheduler_until_stopped(procfile_env,
                                                                         tmp_path):
    port = free_port()
    output = tmp_path / "honcho.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN / "honcho"), "--no-colour", "start", "--port", str(port)], cwd=ROOT,
            env=procfile_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + BOOT_BUDGET
        wait_for(port, "/healthz", process, output, deadline)
        wait_for(port, "/readyz", process, output, deadline)  # the scheduler's replan tick
        status, headers, _ = get(port, "/report/staff-link-token-123?case=SB-SECRET")
        request_id = headers["X-Request-ID"]
        status, _, text = get(port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
    finally:
        code = stop(process)
    log_text = output.read_text()
    # honcho answers SIGTERM with 143 itself; each process stopped on its own, cleanly
    # (the scheduler after its job under way), before honcho would have sent SIGKILL.
    assert code == 143, log_text[-3000:]
    for name in ("web.1", "scheduler.1"):
        assert f"{name} stopped (rc=0)" in log_text, log_text[-3000:]
    assert "SIGKILL" not in log_text
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    # Counted in the scheduler process, read by a web worker: one folder for the host.
    assert samples[("shelter_bridge_job_runs_total", (("job", "replan"), ("outcome", "done")))]
    assert samples[("shelter_bridge_http_request_duration_seconds_count",
                    (("endpoint", "health.readyz"),))] >= 1
    access = [line for line in log_text.splitlines() if request_id in line
              and '"GET ' in line]
    assert access and "/report/[token]" in access[0], log_text[-3000:]
    assert "staff-link-token-123" not in log_text and "SB-SECRET" not in log_text
    app_lines = [json.loads(line.split("| ", 1)[1]) for line in log_text.splitlines()
                 if "| {" in line]
    assert any(line.get("event") == "request" and line.get("request_id") == request_id
               for line in app_lines)
    assert any(line.get("event") == "job" and line.get("job") == "replan" for line in app_lines)


def test_the_nginx_example_lets_through_what_the_app_accepts(tmp_path):
    example = (DEPLOY / "nginx.conf.example").read_text()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", example).group(1))
    settings = from_environment(str(tmp_path), {"SECRET_KEY": "unused"})
    assert megabytes * 1024 * 1024 == settings["MAX_CONTENT_LENGTH"]
    assert "TRUSTED_PROXIES=1" in example
    assert "Strict-Transport-Security" in example
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in example
    assert "proxy_set_header X-Request-ID $request_id;" in example


def rendered_units(folder: Path) -> list[Path]:
    """The units as installed under /opt/shelter-bridge, pointed at this checkout and venv
    (`systemd-analyze verify` checks that each command exists and can run)."""
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text().replace("/opt/shelter-bridge/venv", sys.prefix)
        units.append(folder / unit.name)
        units[-1].write_text(text.replace("/opt/shelter-bridge", str(ROOT)))
    return units


def test_the_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here: the systemd units were not verified")
    units = rendered_units(tmp_path)
    assert [unit.name for unit in units] == ["shelter-bridge-scheduler.service",
                                             "shelter-bridge-web.service"]
    result = subprocess.run([analyze, "verify", "--man=no", *map(str, units)],
                            capture_output=True, text=True, timeout=60)
    # A misspelt key or value is only a warning to systemd: any output fails the check.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr)


def test_web_and_scheduler_count_into_one_metrics_folder():
    def setting(unit: str, prefix: str) -> list[str]:
        return [line for line in (DEPLOY / "systemd" / unit).read_text().splitlines()
                if line.startswith(prefix)]

    for prefix in ("Environment=PROMETHEUS_MULTIPROC_DIR=", "EnvironmentFile=",
                   "RuntimeDirectory"):
        assert setting("shelter-bridge-web.service", prefix) == setting(
            "shelter-bridge-scheduler.service", prefix) != []


def self_signed(folder: Path) -> tuple[Path, Path]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hotline.example.org")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_the_nginx_example_passes_nginx_t(tmp_path):
    nginx = shutil.which("nginx")
    if nginx is None:
        pytest.skip("nginx is not installed here: `nginx -t` of deploy/nginx.conf.example "
                    "was not run (its request size is checked above)")
    self_signed(tmp_path)
    site = (DEPLOY / "nginx.conf.example").read_text()
    site = site.replace("/etc/letsencrypt/live/hotline.example.org/", f"{tmp_path}/")
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n    include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run([nginx, "-t", "-e", "stderr", "-p", str(tmp_path),
                             "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
