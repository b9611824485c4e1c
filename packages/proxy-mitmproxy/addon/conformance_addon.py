"""Recording addon for mitmdump.

Every HTTP request is recorded the moment it is complete (before any answer),
so requests that never get a response still count. Each record is appended to
an on-disk journal (JSON lines, written and flushed per record before the flow
goes on; fsynced by a background thread right after, or per record) and queued for a stream file descriptor read by
the Node side. The stream is best effort: a slow or absent reader never stalls
the proxy; the journal is the evidence and Node reconciles the two at stop.

Record types (all carry ``type``, ``v`` and the flow or connection ``id``):

- ``ready``       the addon is running (with the engine that runs it and mitmproxy's version);
- ``flow``        a complete request (headers and raw body, TLS facts);
- ``response``    the answer to a flow (status, headers, raw body, who answered);
- ``error``       a flow that ended in an error (``error`` hook);
- ``ws-message``  one WebSocket message, per direction;
- ``tls-failed``  a client that refused the interception certificate.

Bodies are kept byte for byte (no content decoding): inline as UTF-8 or base64
up to ``conformance_inline_limit`` bytes, above that in
``bodies/<sha256>`` beside the journal. Evidence is bounded: a body is stored cut
at ``conformance_max_body`` bytes, and at what is left of ``conformance_max_evidence``
for the whole scenario; a cut body carries ``truncated`` (full length and SHA-256).

Hosts listed in ``conformance_serve`` are first-party backends served locally:
their requests are forwarded to the given loopback address. In ``sinkhole``
mode every other host is answered locally with ``204 No Content`` and CORS
headers that echo the request, so nothing leaves the machine and browser code
still sees a success.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import json
import os
import threading
import time
from typing import Any, Callable, Optional

import h2.connection
from mitmproxy import connection, ctx, exceptions, http, tls, version
from mitmproxy.net.http import url as urls

# An app that sends one request with a header block over 64 KiB (h2's default limit) would make
# the HTTP/2 connection fail, and with it every other request in flight on that connection: those
# would never be recorded. Accept header blocks up to 1 MiB, beyond what browsers send.
MAX_HEADER_LIST_SIZE = 1 << 20
h2.connection.H2Connection.DEFAULT_MAX_HEADER_LIST_SIZE = max(
    h2.connection.H2Connection.DEFAULT_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_SIZE
)

RECORD_VERSION = 1
MODES = ("sinkhole", "passthrough")
ANSWER_KEY = "conformance_answer"
MONO_START_KEY = "conformance_mono_start"
STREAM_KEY = "conformance_stream_chunks"
HOST_KEY = "conformance_host"

# One encoder for every record: json.dumps(record, ensure_ascii=True, separators=(",", ":")) builds a
# new one per call. ASCII-only JSON: any string (even one holding undecodable bytes as surrogates)
# can be written. check_circular=False only skips the cycle bookkeeping (records are trees).
_encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False).encode
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# TLS protocol versions as OpenSSL names them (the names mitmproxy reports for the negotiated one).
TLS_VERSIONS = {0x0300: "SSLv3", 0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}
SUPPORTED_VERSIONS_EXTENSION = 43


def now_ms() -> float:
    return time.time() * 1000


def mono_ms() -> float:
    """CLOCK_MONOTONIC in milliseconds: the clock of Node's process.hrtime on Linux."""
    return time.monotonic() * 1000


def address(peer: Any) -> Optional[str]:
    if not peer:
        return None
    return f"{peer[0]}:{peer[1]}"


def headers_list(headers: http.Headers) -> list[list[str]]:
    """Headers in wire order, duplicates kept. Bytes that are not UTF-8 become lone surrogates
    (surrogateescape), which the journal writes as \\udcXX escapes: nothing is lost."""
    return [[k.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape")] for k, v in headers.fields]


def _parse_serve(entries: list[str]) -> dict[str, tuple[str, int]]:
    mapping: dict[str, tuple[str, int]] = {}
    for entry in entries:
        host, sep, target = entry.strip().partition("=")
        address_, colon, port = target.rpartition(":")
        if not sep or not colon or not host or not port.isdigit():
            raise exceptions.OptionsError(
                f"conformance_serve entry {entry!r} is not of the form host=127.0.0.1:PORT"
            )
        mapping[host.lower()] = (address_, int(port))
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


def offered_tls_versions(hello: tls.ClientHello) -> list[str]:
    """The versions a ClientHello offers: its supported_versions extension, else its legacy version."""
    for kind, body in hello.extensions:
        if kind == SUPPORTED_VERSIONS_EXTENSION and isinstance(body, (bytes, bytearray)) and body:
            raw = bytes(body[1 : 1 + body[0]])
            codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
            # GREASE values (0x?a?a) are noise by design.
            return [TLS_VERSIONS.get(code, f"0x{code:04x}") for code in codes if (code & 0x0F0F) != 0x0A0A]
    legacy = hello._client_hello.version  # noqa: SLF001 - the parsed ClientHello's legacy_version
    code = (legacy.major << 8) | legacy.minor
    return [TLS_VERSIONS.get(code, f"0x{code:04x}")]


class StreamWriter:
    """Writes lines to a file descriptor from its own thread, so a slow reader never blocks the proxy.

    ``put`` only appends to a bounded in-memory queue (no lock, no syscall on the proxy's thread);
    the thread takes everything queued, writes it in one go and pauses briefly, so a busy proxy
    does not wake it per record. When the queue is full or the reader is gone, lines are dropped
    from the stream only; the journal has them and Node reports the gap at stop.
    """

    def __init__(self, fd: int, limit: int) -> None:
        os.fstat(fd)  # raises OSError for an unusable descriptor, as opening it did
        self.dropped = 0
        self._fd: Optional[int] = fd
        self._limit = limit
        self._lines: collections.deque[bytes] = collections.deque()
        self._wake = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="conformance-stream", daemon=True)
        self._thread.start()

    def put(self, line: bytes) -> None:
        if self._fd is None or len(self._lines) >= self._limit:
            self.dropped += 1
            return
        self._lines.append(line)
        if not self._wake.is_set():
            self._wake.set()

    def close(self, timeout: float = 3.0) -> None:
        self._closing = True
        self._wake.set()
        self._thread.join(timeout)
        # Lines still queued when the reader went away (or the thread did not finish in time).
        self.dropped += len(self._lines)
        self._lines.clear()

    def _run(self) -> None:
        lines = self._lines
        while True:
            self._wake.wait()
            self._wake.clear()
            closing = self._closing
            # Take what is queued, so one write and one wake-up serve many records.
            batch = [lines.popleft() for _ in range(len(lines))]
            if batch and self._fd is not None:
                try:
                    _write_all(self._fd, b"".join(batch))
                except OSError:
                    self._fd = None
                    self.dropped += len(batch)
            if closing or self._fd is None:
                return
            time.sleep(BATCH_PAUSE_S)


def _write_all(fd: int, data: bytes) -> None:
    """One write(2) in the usual case; loops over short writes."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


FSYNC_MODES = ("batch", "record", "off")
FSYNC_INTERVAL_S = 0.05
# The stream thread sleeps this long between batches, so a busy proxy is not woken per record
# (at 1,000 requests/s a batch is ~50 records in one write(2); the stream lags by at most this).
BATCH_PAUSE_S = 0.025


class Syncer:
    """fsyncs a file from its own thread whenever it was written since the last fsync (group commit).

    At most one fsync per ``FSYNC_INTERVAL_S``: a record reaches the disk within that interval
    plus one fsync. (It reached the kernel before its hook returned.)
    """

    def __init__(self, fileno: int) -> None:
        self._fileno = fileno
        self._dirty = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="conformance-fsync", daemon=True)
        self._thread.start()

    def mark(self) -> None:
        # Already set: the thread has not cleared it yet, so its next fsync comes after this write.
        if not self._dirty.is_set():
            self._dirty.set()

    def close(self) -> None:
        self._stopping = True
        self._dirty.set()
        self._thread.join(5)
        os.fsync(self._fileno)

    def _run(self) -> None:
        while True:
            self._dirty.wait()
            self._dirty.clear()
            if self._stopping:
                return
            try:
                os.fsync(self._fileno)
            except OSError:
                return
            time.sleep(FSYNC_INTERVAL_S)


class Journal:
    """Appends JSON lines to the journal file and the stream.

    Each record is written and flushed to the kernel before the hook returns, so it survives
    a crash of mitmdump. It is fsynced (survives a crash of the machine) per record in
    ``record`` mode, by a background thread right after in ``batch`` mode (the default: one
    fsync covers every record written while the previous one ran), or never in ``off`` mode.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fd: Optional[int] = None
        self._stream: Optional[StreamWriter] = None
        self._syncer: Optional[Syncer] = None
        self.directory = ""
        self.count = 0
        self.fsync = "batch"

    def open(self, path: str, stream_fd: int, stream_limit: int = 100_000) -> None:
        self.close()
        if path:
            self.directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(self.directory, exist_ok=True)
            # Unbuffered: each record is one write(2) straight to the kernel, nothing to flush.
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
            if self.fsync == "batch":
                self._syncer = Syncer(self._fd)
        if stream_fd >= 0:
            try:
                self._stream = StreamWriter(stream_fd, stream_limit)
            except OSError as error:
                ctx.log.warn(f"conformance: stream fd {stream_fd} unusable ({error}); journal only")

    @property
    def stream_dropped(self) -> int:
        return self._stream.dropped if self._stream else 0

    def write(self, record: dict[str, Any]) -> None:
        line = (_encode(record) + "\n").encode("ascii")
        with self._lock:
            self.count += 1
            if self._fd is not None:
                _write_all(self._fd, line)
                if self._syncer:
                    self._syncer.mark()
                elif self.fsync == "record":
                    os.fsync(self._fd)
            if self._stream:
                self._stream.put(line)

    def close(self) -> None:
        with self._lock:
            if self._syncer:
                self._syncer.close()
                self._syncer = None
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            stream, self._stream = self._stream, None
        if stream:
            stream.close()


class BodyStore:
    """Raw body bytes → a recorded body: inline when small, else a content-addressed file beside the journal.

    Evidence is bounded: a body longer than ``max_body`` bytes, or one that would take the bodies
    stored by this proxy (one scenario) past ``max_evidence`` bytes, is stored cut to what fits.
    ``size`` and ``sha256`` then describe the stored bytes, and ``truncated`` holds the full
    body's length and SHA-256, so the cut is visible and the full body can still be matched.
    """

    def __init__(
        self,
        journal: Journal,
        inline_limit: int = 64 * 1024,
        max_body: int = 16 * 1024 * 1024,
        max_evidence: int = 64 * 1024 * 1024,
    ) -> None:
        self.journal = journal
        self.inline_limit = inline_limit
        self.max_body = max_body
        self.max_evidence = max_evidence
        self.stored = 0
        self.truncated = 0
        self._lock = threading.Lock()

    def record(self, content: Optional[bytes]) -> dict[str, Any]:
        full = content or b""
        if not full:
            return {"size": 0, "sha256": EMPTY_SHA256, "encoding": "utf8", "data": ""}
        with self._lock:
            keep = min(len(full), self.max_body, max(0, self.max_evidence - self.stored))
            self.stored += keep
            if keep < len(full):
                self.truncated += 1
        data = full if keep == len(full) else full[:keep]
        digest = hashlib.sha256(data).hexdigest()
        body: dict[str, Any] = {"size": len(data), "sha256": digest}
        if keep < len(full):
            body["truncated"] = {"size": len(full), "sha256": hashlib.sha256(full).hexdigest()}
        if len(data) > self.inline_limit and self.journal.directory:
            body["encoding"] = "file"
            body["file"] = self._store(data, digest)
            return body
        try:
            body["encoding"], body["data"] = "utf8", data.decode("utf-8")
        except UnicodeDecodeError:
            body["encoding"], body["data"] = "base64", base64.b64encode(data).decode("ascii")
        return body

    def _store(self, data: bytes, digest: str) -> str:
        relative = f"bodies/{digest}"
        target = os.path.join(self.journal.directory, relative)
        if not os.path.exists(target):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            temporary = f"{target}.{os.getpid()}.{threading.get_ident()}.tmp"
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        return relative


def proxy_listening() -> bool:
    """False when mitmproxy's proxy server was to listen and holds no socket (its bind failed).
    True when it listens, or when this mitmproxy release does not say (its own error on
    stderr and early exit then tell the harness)."""
    server = ctx.master.addons.get("proxyserver")
    if server is None or not getattr(ctx.options, "server", True):
        return True
    if hasattr(server, "tcp_server"):  # mitmproxy 7 to 9; is_running: its own running hook ran
        return not getattr(server, "is_running", False) or server.tcp_server is not None
    return True


class JournalOptions:
    """Owns the journal: its options, opening, the ready record, closing."""

    def __init__(self, journal: Journal, bodies: BodyStore) -> None:
        self.journal = journal
        self.bodies = bodies

    def load(self, loader) -> None:
        loader.add_option("conformance_journal", str, "", "Path of the JSON-lines journal of flows.")
        loader.add_option("conformance_stream_fd", int, -1, "File descriptor that receives the same JSON lines.")
        loader.add_option(
            "conformance_stream_limit", int, 100_000, "Records queued for a slow stream reader before the stream drops."
        )
        loader.add_option(
            "conformance_inline_limit", int, 64 * 1024, "Bodies larger than this (bytes) go to bodies/<sha256>."
        )
        loader.add_option(
            "conformance_max_body", int, 16 * 1024 * 1024, "Bodies longer than this (bytes) are stored cut to it."
        )
        loader.add_option(
            "conformance_max_evidence",
            int,
            64 * 1024 * 1024,
            "Body bytes this proxy (one scenario) stores in all; past it, bodies are stored cut.",
        )
        loader.add_option("conformance_fsync", str, "batch", "batch | record | off: when the journal is fsynced.")
        loader.add_option(
            "conformance_engine", str, "mitmdump", "What runs the addon (engine.py sets it); named in the ready record."
        )

    def configure(self, updated: set[str]) -> None:
        if "conformance_inline_limit" in updated:
            if ctx.options.conformance_inline_limit < 0:
                raise exceptions.OptionsError("conformance_inline_limit must be ≥ 0")
            self.bodies.inline_limit = ctx.options.conformance_inline_limit
        for name in ("conformance_max_body", "conformance_max_evidence"):
            if name in updated:
                if getattr(ctx.options, name) < 0:
                    raise exceptions.OptionsError(f"{name} must be ≥ 0")
                setattr(self.bodies, name.removeprefix("conformance_"), getattr(ctx.options, name))
        if "conformance_stream_limit" in updated and ctx.options.conformance_stream_limit < 1:
            raise exceptions.OptionsError("conformance_stream_limit must be ≥ 1")
        if "conformance_fsync" in updated:
            if ctx.options.conformance_fsync not in FSYNC_MODES:
                raise exceptions.OptionsError(
                    f"conformance_fsync must be one of {', '.join(FSYNC_MODES)}, not {ctx.options.conformance_fsync!r}"
                )
            self.journal.fsync = ctx.options.conformance_fsync
        if {"conformance_journal", "conformance_stream_fd"} & updated:
            self.journal.open(
                ctx.options.conformance_journal,
                ctx.options.conformance_stream_fd,
                ctx.options.conformance_stream_limit,
            )

    def running(self) -> None:
        # mitmproxy's proxy server runs earlier in the chain: by now it listens, or its bind
        # failed (another process took the port). Then there is no ready record, a line on
        # stderr, and the proxy stops, so the harness tries another port.
        if not proxy_listening():
            ctx.log.error(
                f"conformance: the proxy server holds no socket on {ctx.options.listen_host}:{ctx.options.listen_port}; "
                "no ready record"
            )
            ctx.master.shutdown()
            return
        self.journal.write(
            {
                "type": "ready",
                "v": RECORD_VERSION,
                "at": now_ms(),
                "mono": mono_ms(),
                "engine": ctx.options.conformance_engine,
                "mitmproxy": version.VERSION,
            }
        )

    def done(self) -> None:
        if self.bodies.truncated:
            ctx.log.warn(
                f"conformance: {self.bodies.truncated} body/bodies stored cut at the evidence cap "
                f"(max_body {self.bodies.max_body}, max_evidence {self.bodies.max_evidence} bytes)"
            )
        if self.journal.stream_dropped:
            ctx.log.warn(f"conformance: {self.journal.stream_dropped} record(s) not streamed; the journal has them")
        self.journal.close()


class TlsFacts:
    """What each client offered in its ClientHello, and the record of clients that refused our certificate."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.offers: dict[str, dict[str, Any]] = {}

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        hello = data.client_hello
        self.offers[data.context.client.id] = {
            "offeredVersions": offered_tls_versions(hello),
            "alpnOffered": [p.decode("ascii", "replace") for p in hello.alpn_protocols],
        }

    def tls_failed_client(self, data: tls.TlsData) -> None:
        client = data.context.client
        server = data.context.server
        offer = self.offers.pop(client.id, {})
        record: dict[str, Any] = {
            "type": "tls-failed",
            "v": RECORD_VERSION,
            "id": client.id,
            "at": now_ms(),
            "mono": mono_ms(),
            "client": address(client.peername),
            "sni": client.sni,
            "error": client.error,
            "host": server.address[0] if server.address else None,
            "port": server.address[1] if server.address else None,
            "startedAt": client.timestamp_start * 1000 if client.timestamp_start else None,
        }
        record.update(offer)
        self.journal.write(record)

    def client_disconnected(self, client: connection.Client) -> None:
        self.offers.pop(client.id, None)

    def facts(self, client: connection.Client) -> Optional[dict[str, Any]]:
        """TLS facts of a flow's client connection; None for cleartext."""
        if not client.tls_established:
            return None
        facts: dict[str, Any] = {
            "sni": client.sni,
            "version": client.tls_version,
            # The client finished the handshake with the interception certificate.
            "accepted": True,
            "cipher": client.cipher,
            "alpn": client.alpn.decode("ascii", "replace") if client.alpn else None,
            "establishedAt": client.timestamp_tls_setup * 1000 if client.timestamp_tls_setup else None,
        }
        facts.update(self.offers.get(client.id, {}))
        return facts


class Router:
    """Decides who answers a request (local first party, sinkhole, upstream) and makes it so."""

    def __init__(self) -> None:
        self.serve: dict[str, tuple[str, int]] = {}
        self.mode = "sinkhole"

    def load(self, loader) -> None:
        loader.add_option("conformance_mode", str, "sinkhole", "sinkhole | passthrough")
        loader.add_option(
            "conformance_serve", str, "", "First-party hosts served locally: host=127.0.0.1:PORT[,host=...]"
        )

    def configure(self, updated: set[str]) -> None:
        if "conformance_mode" in updated and ctx.options.conformance_mode not in MODES:
            raise exceptions.OptionsError(
                f"conformance_mode must be one of {', '.join(MODES)}, not {ctx.options.conformance_mode!r}"
            )
        if "conformance_mode" in updated:
            self.mode = ctx.options.conformance_mode
        if "conformance_serve" in updated:
            self.serve = _parse_serve([e for e in ctx.options.conformance_serve.split(",") if e.strip()])

    def decide(self, flow: http.HTTPFlow) -> str:
        answer = flow.metadata.get(ANSWER_KEY)
        if answer is None:
            host = flow_host(flow)
            if host in self.serve:
                answer = "local"
            elif self.mode == "sinkhole":
                answer = "sinkhole"
            else:
                answer = "upstream"
            flow.metadata[ANSWER_KEY] = answer
        return answer

    def request(self, flow: http.HTTPFlow) -> None:
        request = flow.request
        answer = self.decide(flow)
        if answer == "local":
            host = flow_host(flow)
            request.scheme = "http"
            request.host, request.port = self.serve[host]
            request.headers["host"] = host
        elif answer == "sinkhole":
            flow.response = http.Response.make(204, b"", cors_headers(request))


def host_of(request: http.Request) -> str:
    return (request.pretty_host or request.host).lower()


# parse_authority is a pure function of the Host header, and a capture sees few distinct ones.
_authorities: dict[str, tuple[str, Optional[int]]] = {}
_AUTHORITIES_MAX = 1024


def pretty_host_and_url(request: http.Request) -> tuple[str, str]:
    """``(request.pretty_host, request.pretty_url)``, computed as mitmproxy does but parsing the
    Host header (or HTTP/2 authority) once instead of once per property."""
    if request.first_line_format == "authority":
        return request.pretty_host, request.pretty_url
    authority = request.host_header
    if not authority:
        return request.host, request.url
    parsed = _authorities.get(authority)
    if parsed is None:
        if len(_authorities) >= _AUTHORITIES_MAX:
            _authorities.clear()
        parsed = _authorities[authority] = urls.parse_authority(authority, check=False)
    host, port = parsed
    return host, urls.unparse(request.scheme, host, port or urls.default_port(request.scheme) or 443, request.path)


def flow_host(flow: http.HTTPFlow) -> str:
    """The flow's host as the client addressed it (see host_of), remembered from its flow record."""
    host = flow.metadata.get(HOST_KEY)
    if host is None:
        host = flow.metadata[HOST_KEY] = host_of(flow.request)
    return host


class Recorder:
    """Records requests, responses, errors and WebSocket messages."""

    def __init__(self, journal: Journal, bodies: BodyStore, tls_facts: TlsFacts, router: Router) -> None:
        self.journal = journal
        self.bodies = bodies
        self.tls_facts = tls_facts
        self.router = router

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        flow.metadata[MONO_START_KEY] = mono_ms()

    def request(self, flow: http.HTTPFlow) -> None:
        # Runs before Router.request, which may rewrite the destination of first-party requests.
        request = flow.request
        client = flow.client_conn
        completed_mono = mono_ms()
        started_at = request.timestamp_start * 1000
        completed_at = (request.timestamp_end or time.time()) * 1000
        started_mono = flow.metadata.get(MONO_START_KEY, completed_mono - (completed_at - started_at))
        pretty_host, pretty_url = pretty_host_and_url(request)
        host = flow.metadata[HOST_KEY] = (pretty_host or request.host).lower()
        self.journal.write(
            {
                "type": "flow",
                "v": RECORD_VERSION,
                "id": flow.id,
                "startedAt": started_at,
                "completedAt": completed_at,
                "startedMono": started_mono,
                "completedMono": completed_mono,
                "client": address(client.peername),
                "method": request.method,
                "scheme": request.scheme,
                "host": host,
                "port": request.port,
                "path": request.path,
                "url": pretty_url,
                "httpVersion": request.http_version,
                "headers": headers_list(request.headers),
                "body": self.bodies.record(request.raw_content),
                "tls": self.tls_facts.facts(client),
                "answer": self.router.decide(flow),
                "websocket": is_websocket_upgrade(request),
            }
        )

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        response = flow.response
        if response is None or response.stream:
            return
        if response.headers.get("content-type", "").lower().startswith("text/event-stream"):
            # Server-sent events never end: stream them to the client and keep a copy of each chunk.
            chunks: list[bytes] = []
            flow.metadata[STREAM_KEY] = chunks
            response.stream = _tee(chunks)

    def response(self, flow: http.HTTPFlow) -> None:
        response = flow.response
        if response is None:
            return
        chunks = flow.metadata.get(STREAM_KEY)
        raw = b"".join(chunks) if chunks is not None else response.raw_content
        answer = flow.metadata.get(ANSWER_KEY) or self.router.decide(flow)
        self.journal.write(
            {
                "type": "response",
                "v": RECORD_VERSION,
                "id": flow.id,
                "startedAt": response.timestamp_start * 1000 if response.timestamp_start else None,
                "completedAt": (response.timestamp_end or time.time()) * 1000,
                "completedMono": mono_ms(),
                "status": response.status_code,
                "reason": response.reason,
                "httpVersion": response.http_version,
                "headers": headers_list(response.headers),
                "body": self.bodies.record(raw),
                "answer": answer,
                "sinkhole": answer == "sinkhole",
                "streamed": chunks is not None,
            }
        )

    def error(self, flow: http.HTTPFlow) -> None:
        if flow.error is None:
            return
        self.journal.write(
            {
                "type": "error",
                "v": RECORD_VERSION,
                "id": flow.id,
                "at": flow.error.timestamp * 1000 if flow.error.timestamp else now_ms(),
                "mono": mono_ms(),
                "message": flow.error.msg,
                "stage": "response" if flow.response is not None else "request",
            }
        )

    def websocket_message(self, flow: http.HTTPFlow) -> None:
        if flow.websocket is None or not flow.websocket.messages:
            return
        seq = len(flow.websocket.messages) - 1
        message = flow.websocket.messages[-1]
        self.journal.write(
            {
                "type": "ws-message",
                "v": RECORD_VERSION,
                "id": flow.id,
                "seq": seq,
                "at": message.timestamp * 1000,
                "mono": mono_ms(),
                "direction": "client-to-server" if message.from_client else "server-to-client",
                "opcode": "text" if message.is_text else "binary",
                "body": self.bodies.record(message.content),
            }
        )


def is_websocket_upgrade(request: http.Request) -> bool:
    return request.headers.get("upgrade", "").lower() == "websocket"


def _tee(chunks: list[bytes]) -> Callable[[bytes], bytes]:
    def tee(chunk: bytes) -> bytes:
        if chunk:
            chunks.append(chunk)
        return chunk

    return tee


class ConformanceAddon:
    """The one addon mitmproxy sees; it hands each event to the class that owns the concern.

    (mitmproxy offers every event to every registered addon, so one registered addon instead
    of four keeps the recording close to the bare engine's throughput.)
    """

    def __init__(self) -> None:
        self.journal = Journal()
        self.bodies = BodyStore(self.journal)
        self.journal_options = JournalOptions(self.journal, self.bodies)
        self.tls_facts = TlsFacts(self.journal)
        self.router = Router()
        self.recorder = Recorder(self.journal, self.bodies, self.tls_facts, self.router)

    def load(self, loader) -> None:
        self.journal_options.load(loader)
        self.router.load(loader)

    def configure(self, updated: set[str]) -> None:
        self.router.configure(updated)
        self.journal_options.configure(updated)

    def running(self) -> None:
        self.journal_options.running()

    def done(self) -> None:
        self.journal_options.done()

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        self.recorder.requestheaders(flow)

    def request(self, flow: http.HTTPFlow) -> None:
        # The recorder sees the request before the router redirects or answers it.
        self.recorder.request(flow)
        self.router.request(flow)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        self.recorder.responseheaders(flow)

    def response(self, flow: http.HTTPFlow) -> None:
        self.recorder.response(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self.recorder.error(flow)

    def websocket_message(self, flow: http.HTTPFlow) -> None:
        self.recorder.websocket_message(flow)

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        self.tls_facts.tls_clienthello(data)

    def tls_failed_client(self, data: tls.TlsData) -> None:
        self.tls_facts.tls_failed_client(data)

    def client_disconnected(self, client: connection.Client) -> None:
        self.tls_facts.client_disconnected(client)


addons = [ConformanceAddon()]
