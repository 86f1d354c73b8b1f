"""A real ``chroma run`` server on 127.0.0.1 for tests: start, wait until it answers, pause, resume, stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    def __init__(self, proc: subprocess.Popen[bytes], url: str) -> None:
        self.proc = proc
        self.url = url

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)


@contextmanager
def chroma_run(data: Path, wait_s: float = 60.0) -> Iterator[ChromaServer]:
    """``chroma run`` on a free loopback port; always resumed and stopped on exit."""
    import httpx

    exe = Path(sys.executable).parent / "chroma"
    port = free_port()
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = ChromaServer(proc, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                if httpx.get(f"{server.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`chroma run` did not come up within {wait_s:g} s")
            time.sleep(0.1)
        yield server
    finally:
        server.resume()  # a paused server ignores SIGTERM until resumed
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
