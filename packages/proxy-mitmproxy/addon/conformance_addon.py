"""Recording addon for mitmdump.

Every HTTP request is recorded the moment it is complete (before any answer),
so requests that never get a response still count. Each record is appended to
an on-disk journal (JSON lines, flushed per record) and, when a stream file
descriptor is given, written to it as the same JSON line for the Node side.

Hosts listed in ``conformance_serve`` are first-party backends served locally:
their requests are forwarded to the given loopback address. In ``sinkhole``
mode every other host is answered locally with ``204 No Content`` and CORS
headers that echo the request, so nothing leaves the machine and browser code
still sees a success.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from typing import IO, Any, Optional

from mitmproxy import ctx, exceptions, http, tls

RECORD_VERSION = 1
MODES = ("sinkhole", "passthrough")


def _body(content: Optional[bytes]) -> dict[str, Any]:
    data = content or b""
    try:
        text = data.decode("utf-8")
        encoding, payload = "utf8", text
    except UnicodeDecodeError:
        encoding, payload = "base64", base64.b64encode(data).decode("ascii")
    return {
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "encoding": encoding,
        "data": payload,
    }


def _parse_serve(entries: list[str]) -> dict[str, tuple[str, int]]:
    mapping: dict[str, tuple[str, int]] = {}
    for entry in entries:
        host, sep, target = entry.strip().partition("=")
        address, colon, port = target.rpartition(":")
        if not sep or not colon or not host or not port.isdigit():
            raise exceptions.OptionsError(
                f"conformance_serve entry {entry!r} is not of the form host=127.0.0.1:PORT"
            )
        mapping[host.lower()] = (address, int(port))
    return mapping


def cors_headers(request: http.Request) -> dict[str, str]:
    """Headers that let a browser page read the synthetic answer."""
    origin = request.headers.get("origin")
    headers = {
        "access-control-allow-origin": origin or "*",
        "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD",
        "access-control-max-age": "600",
        "x-conformance-sinkhole": "1",
    }
    if origin:
        headers["access-control-allow-credentials"] = "true"
        headers["vary"] = "Origin"
    requested = request.headers.get("access-control-request-headers")
    if requested:
        headers["access-control-allow-headers"] = requested
    return headers


class Journal:
    """Appends JSON lines to the journal file and the optional stream, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._file: Optional[IO[str]] = None
        self._stream: Optional[IO[str]] = None
        self.count = 0

    def open(self, path: str, stream_fd: int) -> None:
        self.close()
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self._file = open(path, "a", encoding="utf-8")
        if stream_fd >= 0:
            self._stream = os.fdopen(stream_fd, "w", encoding="utf-8", closefd=False)

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            self.count += 1
            if self._file:
                self._file.write(line)
                self._file.flush()
                os.fsync(self._file.fileno())
            if self._stream:
                try:
                    self._stream.write(line)
                    self._stream.flush()
                except (BrokenPipeError, OSError):
                    # The journal keeps everything; the reader reconciles at stop.
                    self._stream = None

    def close(self) -> None:
        with self._lock:
            if self._file:
                self._file.close()
                self._file = None
            if self._stream:
                try:
                    self._stream.flush()
                except OSError:
                    pass
                self._stream = None


class ConformanceRecorder:
    def __init__(self) -> None:
        self.journal = Journal()
        self.serve: dict[str, tuple[str, int]] = {}

    def load(self, loader) -> None:
        loader.add_option("conformance_journal", str, "", "Path of the JSON-lines journal of flows.")
        loader.add_option("conformance_stream_fd", int, -1, "File descriptor that receives the same JSON lines.")
        loader.add_option("conformance_mode", str, "sinkhole", "sinkhole | passthrough")
        loader.add_option(
            "conformance_serve", str, "", "First-party hosts served locally: host=127.0.0.1:PORT[,host=...]"
        )

    def configure(self, updated: set[str]) -> None:
        if "conformance_mode" in updated and ctx.options.conformance_mode not in MODES:
            raise exceptions.OptionsError(
                f"conformance_mode must be one of {', '.join(MODES)}, not {ctx.options.conformance_mode!r}"
            )
        if "conformance_serve" in updated:
            self.serve = _parse_serve([e for e in ctx.options.conformance_serve.split(",") if e.strip()])
        if {"conformance_journal", "conformance_stream_fd"} & updated:
            self.journal.open(ctx.options.conformance_journal, ctx.options.conformance_stream_fd)

    def running(self) -> None:
        self.journal.write({"type": "ready", "v": RECORD_VERSION, "at": time.time() * 1000})

    def request(self, flow: http.HTTPFlow) -> None:
        request = flow.request
        host = (request.pretty_host or request.host).lower()
        served = self.serve.get(host)
        sinkholed = served is None and ctx.options.conformance_mode == "sinkhole"
        self.journal.write(self._record(flow, host, sinkholed, served is not None))
        if served:
            request.scheme = "http"
            request.host, request.port = served
            request.headers["host"] = host
        elif sinkholed:
            flow.response = http.Response.make(204, b"", cors_headers(request))

    def tls_failed_client(self, data: tls.TlsData) -> None:
        client = data.context.client
        self.journal.write(
            {
                "type": "tls-failed",
                "v": RECORD_VERSION,
                "id": client.id,
                "at": time.time() * 1000,
                "client": _address(client.peername),
                "sni": client.sni,
                "error": client.error,
            }
        )

    def done(self) -> None:
        self.journal.close()

    def _record(self, flow: http.HTTPFlow, host: str, sinkholed: bool, served: bool) -> dict[str, Any]:
        request = flow.request
        client = flow.client_conn
        return {
            "type": "flow",
            "v": RECORD_VERSION,
            "id": flow.id,
            "startedAt": request.timestamp_start * 1000,
            "completedAt": (request.timestamp_end or time.time()) * 1000,
            "client": _address(client.peername),
            "method": request.method,
            "scheme": request.scheme,
            "host": host,
            "port": request.port,
            "path": request.path,
            "url": request.pretty_url,
            "httpVersion": request.http_version,
            "headers": [[k, v] for k, v in request.headers.items(multi=True)],
            "body": _body(request.raw_content),
            "tls": {"sni": client.sni, "version": client.tls_version} if client.tls_established else None,
            "answer": "sinkhole" if sinkholed else ("local" if served else "upstream"),
        }


def _address(peer: Any) -> Optional[str]:
    if not peer:
        return None
    return f"{peer[0]}:{peer[1]}"


addons = [ConformanceRecorder()]
