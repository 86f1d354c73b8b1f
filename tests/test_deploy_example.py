"""The reverse-proxy example of docs/deploy.md works: nginx with examples/deploy/nginx.conf in front of two
`msra serve` replicas over one `chroma run` answers /ask (ports moved to free ones)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from chroma_server import chroma_run, free_port
from test_replicas_serve import CLI, _env, _msra, _up, _within

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx-light)")
def test_nginx_example_in_front_of_two_replicas(tmp_path: Path) -> None:
    import sys

    from gradio_client import Client

    ports = {name: free_port() for name in ("proxy", "r1", "r2")}
    conf = (REPO / "examples" / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for old, new in (
        ("127.0.0.1:8080", ports["proxy"]),
        ("127.0.0.1:7861", ports["r1"]),
        ("127.0.0.1:7862", ports["r2"]),
    ):
        assert old in conf
        conf = conf.replace(old, f"127.0.0.1:{new}")
    (tmp_path / "nginx").mkdir()
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
    procs: list[subprocess.Popen[bytes]] = []
    with chroma_run(tmp_path / "chroma") as server:
        envs = [_env(tmp_path / f"replica-{n}", server.url) for n in (1, 2)]
        assert _msra(envs[0], "ingest", str(REPO / "corpus" / "notes")).returncode == 0
        try:
            for env, key in zip(envs, ("r1", "r2"), strict=True):
                cmd = [sys.executable, "-c", CLI, "serve", "--port", str(ports[key])]
                procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            nginx = ["nginx", "-c", str(tmp_path / "nginx.conf"), "-p", f"{tmp_path / 'nginx'}/", "-g", "daemon off;"]
            procs.append(subprocess.Popen(nginx, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            for key in ("r1", "r2", "proxy"):
                _within(180, lambda key=key: _up(f"http://127.0.0.1:{ports[key]}/"))
            client = Client(f"http://127.0.0.1:{ports['proxy']}/", verbose=False)
            out = client.predict("When must a closure plan be submitted?", None, "extractive", api_name="/ask")
            assert out["citations"] and not out["refused"]
        finally:
            for proc in reversed(procs):
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
