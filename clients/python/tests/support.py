"""Test support: generates the stubs when needed and runs a packaged Plumbline server.

Every server gets a free loopback port and a fresh temporary data directory, runs in its own
process group, and is stopped (the whole group) by ``ServerProcess.stop()``. An ``atexit`` hook
stops anything a crashed test left behind.

Environment:
  PLUMBLINE_APP_JAR      full build  (default platform/server/target/quarkus-app/quarkus-run.jar)
  PLUMBLINE_GATEWAY_JAR  gateway build (default platform/server/target-gateway/quarkus-app/quarkus-run.jar)
  PLUMBLINE_TEST_JAVA    java executable (default: java on PATH)
  PLUMBLINE_TEST_STARTUP_SECONDS  how long to wait for /q/health (default 120)
  PLUMBLINE_TEST_KEEP=1  keep the data directories (and server logs) for inspection
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Iterable, Optional

CLIENT_DIR = Path(__file__).resolve().parent.parent  # clients/python
REPO = CLIENT_DIR.parent.parent
GENERATED = CLIENT_DIR / "plumbline_client" / "generated"
PROTO_ROOT = REPO / "proto" / "src" / "main" / "proto"

APP_JAR = Path(os.environ.get("PLUMBLINE_APP_JAR")
               or REPO / "platform/server/target/quarkus-app/quarkus-run.jar")
GATEWAY_JAR = Path(os.environ.get("PLUMBLINE_GATEWAY_JAR")
                   or REPO / "platform/server/target-gateway/quarkus-app/quarkus-run.jar")
STARTUP_SECONDS = float(os.environ.get("PLUMBLINE_TEST_STARTUP_SECONDS", "120"))


def ensure_generated() -> None:
    """Runs generate.sh when the stubs are missing or older than a .proto file."""
    marker = GENERATED / "PROTOC_VERSION"
    stale = not marker.exists()
    if not stale:
        built = marker.stat().st_mtime
        stale = any(p.stat().st_mtime > built for p in PROTO_ROOT.rglob("*.proto"))
    if stale:
        subprocess.run([str(CLIENT_DIR / "generate.sh")], check=True, stdout=sys.stderr)


ensure_generated()
# gRPC core logs expected TLS handshake failures to stderr; the tests assert on them instead.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")
if str(CLIENT_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENT_DIR))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_jar(jar: Path, what: str) -> None:
    """Skips the calling test class when the packaged server is absent."""
    if not jar.is_file():
        raise unittest.SkipTest(
            f"{what} jar not found at {jar}: build it first (see clients/python/README.md) "
            f"or point {'PLUMBLINE_GATEWAY_JAR' if 'gateway' in what else 'PLUMBLINE_APP_JAR'} at it")


def java_env() -> Dict[str, str]:
    env = dict(os.environ)
    env["OPT_OUT_TRACKING"] = "true"
    env["DJL_OFFLINE"] = "true"
    env.setdefault("DJL_CACHE_DIR", str(Path.home() / ".cache" / "plumbline" / "djl"))
    return env


_RUNNING = set()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_RUNNING):
        server.stop()


class ServerProcess:
    """``java -jar JAR serve`` on a free loopback port with a fresh data directory."""

    def __init__(self, jar: Path, properties: Optional[Dict[str, str]] = None,
                 tls_cert: Optional[Path] = None, name: str = "server"):
        self.jar = Path(jar)
        self.name = name
        self.properties = dict(properties or {})
        self.tls_cert = tls_cert
        self.workdir = Path(tempfile.mkdtemp(prefix=f"plumbline-pytest-{name}-"))
        self.data_dir = self.workdir / "data"
        self.log_path = self.workdir / "server.log"
        self.port = free_port()        # plain HTTP/gRPC port
        self.ssl_port = free_port() if tls_cert else None
        self.process: Optional[subprocess.Popen] = None

    @property
    def grpc_port(self) -> int:
        return self.ssl_port if self.tls_cert else self.port

    def health_url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        return f"{scheme}://127.0.0.1:{self.grpc_port}/q/health"

    def url(self, path: str) -> str:
        scheme = "https" if self.tls_cert else "http"
        return f"{scheme}://127.0.0.1:{self.grpc_port}{path}"

    def ssl_context(self) -> Optional[ssl.SSLContext]:
        return ssl.create_default_context(cafile=str(self.tls_cert)) if self.tls_cert else None

    def start(self) -> "ServerProcess":
        props = {
            "ai.djl.offline": "true",
            "quarkus.http.host": "127.0.0.1",
            "quarkus.http.port": str(self.port),
            "plumbline.data-dir": str(self.data_dir),
        }
        if self.ssl_port:
            props["quarkus.http.ssl-port"] = str(self.ssl_port)
        props.update(self.properties)
        java = os.environ.get("PLUMBLINE_TEST_JAVA", "java")
        cmd = [java] + [f"-D{k}={v}" for k, v in props.items()] + ["-jar", str(self.jar), "serve"]
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=java_env(), cwd=self.workdir, start_new_session=True)
        _RUNNING.add(self)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        context = self.ssl_context()
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: server exited with {self.process.returncode} before it was "
                                   f"healthy\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.health_url(), timeout=2, context=context) as r:
                    if r.status == 200:
                        return
                    last = f"HTTP {r.status}"
            except urllib.error.HTTPError as e:  # 503 while a check is DOWN
                last = f"HTTP {e.code}"
            except (urllib.error.URLError, OSError) as e:
                last = str(e)
            time.sleep(0.25)
        raise RuntimeError(f"{self.name}: {self.health_url()} not UP after {STARTUP_SECONDS:.0f}s "
                           f"({last})\n{self.log_tail()}")

    def kill_hard(self) -> None:
        """``kill -9`` of the server's process group, as a crash would end it; the data directory stays."""
        p = self.process
        if p is not None and p.returncode is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=30)
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None
        _RUNNING.discard(self)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(["--- server log tail ---"] + text[-lines:])

    def stop(self) -> None:
        """Stops the whole process group (SIGTERM, then SIGKILL after 20 s) and removes the data."""
        p = self.process
        if p is not None and p.returncode is None:
            for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
                try:
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    p.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            # Anything else left in the group (there should be nothing) goes too.
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if getattr(self, "_log", None):
            self._log.close()
        _RUNNING.discard(self)
        if os.environ.get("PLUMBLINE_TEST_KEEP") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            print(f"\n[{self.name}] kept {self.workdir}", file=sys.stderr)


def http_status(url: str, headers: Optional[Dict[str, str]] = None,
                context: Optional[ssl.SSLContext] = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def make_self_signed_cert(directory: Path, names: Iterable[str] = ("DNS:localhost", "IP:127.0.0.1")):
    """A throwaway self-signed certificate (RSA 2048, 2 days) with the given SANs; (cert, key)."""
    if shutil.which("openssl") is None:
        raise unittest.SkipTest("openssl not installed (apt-get install openssl)")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=" + ",".join(names),
         "-keyout", str(key), "-out", str(cert)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return cert, key


def run_cli(data_dir: Path, *args, timeout=240):
    """``./plumbline --data-dir DATA ARGS`` through the launcher (no rebuild, plain progress lines):
    (exit code, stdout, stderr). Skips when the packaged server is not built."""
    jar = REPO / "platform/server/target/quarkus-app/quarkus-run.jar"
    if not jar.is_file():
        raise unittest.SkipTest(f"the launcher's jar {jar} is not built")
    env = java_env()
    env["PLUMBLINE_SKIP_BUILD"] = "1"
    env["CI"] = "true"  # plain progress lines
    proc = subprocess.Popen([str(REPO / "plumbline"), "--data-dir", str(data_dir), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"plumbline {' '.join(args)} did not finish in {timeout} s")
    return proc.returncode, out.decode(), err.decode(errors="replace")
