"""The embedded default: a fresh SQLite file migrates, takes the demo data and serves `/`."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_env(db: Path) -> dict[str, str]:
    """No DATABASE_URL/REDIS_URL/CELERY_BROKER_URL from the test run; a fresh SQLite file."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(db.parent)),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{db}",
        "PYTHONUNBUFFERED": "1",
    }


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def wait_for(url: str, server: subprocess.Popen, seconds: float = 20) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            raise AssertionError(f"runserver exited with {server.returncode}")
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_embedded_default_migrates_seeds_and_serves_home(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    env = embedded_env(db)

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*MANAGE, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180
        )

    migrate = manage("migrate", "--noinput")
    assert migrate.returncode == 0, migrate.stderr
    seeded = manage("seed_demo")
    assert seeded.returncode == 0, seeded.stderr
    assert "Admin login:  admin / " in seeded.stdout
    reseeded = manage("seed_demo")
    assert "created: nothing" in reseeded.stdout

    port = free_port()
    log = (tmp_path / "runserver.log").open("w")
    server = subprocess.Popen(
        [*MANAGE, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        status, html = wait_for(f"http://127.0.0.1:{port}/", server)
        admin_status, _ = get(f"http://127.0.0.1:{port}/admin/login/")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()

    assert (status, admin_status) == (200, 200), (tmp_path / "runserver.log").read_text()
    assert 'href="/schedule/sales-team/"' in html
    assert 'href="/schedule/sales-by-country/"' in html
    assert 'href="/admin/"' in html
    assert 'href="/api/v1/docs/"' in html
