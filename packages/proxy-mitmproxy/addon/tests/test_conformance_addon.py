"""Unit tests of the recording addon with mitmproxy's own test helpers."""

import base64
import gzip
import hashlib
import json
import os
import ssl
import sys
import time

import pytest
from mitmproxy import exceptions, tls
from mitmproxy.proxy import context as proxy_context
from mitmproxy.test import taddons, tflow

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import conformance_addon  # noqa: E402


def read_journal(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


EMPTY = hashlib.sha256(b"").hexdigest()


class Harness:
    def __init__(self, context, addon, journal):
        self.context = context
        self.addon = addon
        self.journal_path = journal
        self.tls_facts, self.recorder, self.router = addon.tls_facts, addon.recorder, addon.router

    def configure(self, **options):
        """Sets options and lets the addon validate them, the way mitmproxy does."""
        self.context.configure(self.addon, **options)

    def handle_request(self, flow):
        self.addon.requestheaders(flow)
        self.addon.request(flow)

    def records(self, kind=None):
        records = read_journal(self.journal_path)
        return [r for r in records if kind is None or r["type"] == kind]


@pytest.fixture
def harness(tmp_path):
    addon = conformance_addon.ConformanceAddon()
    with taddons.context(addon) as context:
        h = Harness(context, addon, tmp_path / "flows.jsonl")
        h.configure(
            conformance_journal=str(tmp_path / "flows.jsonl"),
            conformance_serve="app.example.test=127.0.0.1:8081",
        )
        yield h
        addon.done()


def third_party_post(body=b'{"imei":"490154203237518"}'):
    flow = tflow.tflow()
    flow.request.host = "collect.vendor.test"
    flow.request.headers["host"] = "collect.vendor.test"
    flow.request.headers["origin"] = "https://app.example.test"
    flow.request.method = "POST"
    flow.request.content = body
    return flow


def test_records_request_when_complete_and_answers_third_party_with_204(harness):
    flow = third_party_post()
    harness.handle_request(flow)

    assert flow.response.status_code == 204
    assert flow.response.headers["access-control-allow-origin"] == "https://app.example.test"
    assert flow.response.headers["access-control-allow-credentials"] == "true"
    [record] = harness.records("flow")
    assert record["host"] == "collect.vendor.test"
    assert record["answer"] == "sinkhole"
    assert record["body"]["data"] == '{"imei":"490154203237518"}'
    assert record["body"]["size"] == 26
    assert record["startedMono"] <= record["completedMono"]
    assert record["websocket"] is False


def test_flow_record_carries_tls_facts_of_its_connection(harness):
    flow = third_party_post()
    harness.handle_request(flow)
    [record] = harness.records("flow")
    assert record["tls"]["version"] == "TLSv1.2"
    assert record["tls"]["accepted"] is True
    assert record["tls"]["alpn"] == "http/1.1"


def test_cleartext_flow_has_no_tls_facts(harness):
    flow = third_party_post()
    flow.client_conn.timestamp_tls_setup = None
    flow.request.scheme = "http"
    harness.handle_request(flow)
    [record] = harness.records("flow")
    assert record["tls"] is None
    assert record["scheme"] == "http"


def test_sinkhole_answer_is_recorded_as_a_response_record(harness):
    flow = third_party_post()
    harness.handle_request(flow)
    harness.addon.response(flow)
    [response] = harness.records("response")
    assert response["id"] == flow.id
    assert response["status"] == 204
    assert response["sinkhole"] is True
    assert ["x-conformance-sinkhole", "1"] in response["headers"]


def test_upstream_response_body_is_recorded_raw(harness):
    harness.configure(conformance_mode="passthrough")
    flow = tflow.tflow(resp=True)
    compressed = gzip.compress(b'{"ok":true}')
    flow.response.headers["content-encoding"] = "gzip"
    flow.response.raw_content = compressed
    harness.handle_request(flow)
    harness.addon.response(flow)
    [response] = harness.records("response")
    assert response["sinkhole"] is False
    assert response["answer"] == "upstream"
    assert base64.b64decode(response["body"]["data"]) == compressed


def test_header_bytes_that_are_not_utf8_are_kept_and_never_lose_the_record(harness):
    flow = third_party_post()
    flow.request.headers.fields = flow.request.headers.fields + ((b"x-id", b"caf\xe9 \xe4\xb8\xad"),)
    harness.handle_request(flow)
    [record] = harness.records("flow")
    [value] = [v for k, v in record["headers"] if k == "x-id"]
    assert value.encode("utf-8", "surrogateescape") == b"caf\xe9 \xe4\xb8\xad"


def test_duplicate_headers_keep_their_order(harness):
    flow = third_party_post()
    flow.request.headers.fields = ((b"cookie", b"a=1"), (b"x", b"y"), (b"cookie", b"b=2"))
    harness.handle_request(flow)
    assert harness.records("flow")[0]["headers"] == [["cookie", "a=1"], ["x", "y"], ["cookie", "b=2"]]


def test_binary_body_is_kept_exactly_as_base64(harness):
    flow = tflow.tflow()
    flow.request.content = bytes(range(256))
    harness.handle_request(flow)
    [record] = harness.records("flow")
    assert record["body"]["encoding"] == "base64"
    assert base64.b64decode(record["body"]["data"]) == bytes(range(256))


def test_compressed_request_body_is_kept_raw_not_decoded(harness):
    flow = third_party_post()
    compressed = gzip.compress(b'{"imei":"490154203237518"}')
    flow.request.headers["content-encoding"] = "gzip"
    flow.request.raw_content = compressed
    harness.handle_request(flow)
    [record] = harness.records("flow")
    assert record["body"]["sha256"] == hashlib.sha256(compressed).hexdigest()
    assert base64.b64decode(record["body"]["data"]) == compressed


def test_large_body_goes_to_a_content_addressed_file(harness, tmp_path):
    harness.configure(conformance_inline_limit=1024)
    payload = os.urandom(5000)
    flow = third_party_post(payload)
    harness.handle_request(flow)
    [record] = harness.records("flow")
    digest = hashlib.sha256(payload).hexdigest()
    assert record["body"] == {"size": 5000, "sha256": digest, "encoding": "file", "file": f"bodies/{digest}"}
    assert (tmp_path / "bodies" / digest).read_bytes() == payload
    assert not [p for p in os.listdir(tmp_path / "bodies") if p.endswith(".tmp")]


def test_body_above_the_per_body_cap_is_stored_cut_with_the_full_length_and_hash(harness, tmp_path):
    harness.configure(conformance_inline_limit=1024, conformance_max_body=4000)
    payload = os.urandom(10_000)
    harness.handle_request(third_party_post(payload))
    [record] = harness.records("flow")
    kept = payload[:4000]
    digest = hashlib.sha256(kept).hexdigest()
    assert record["body"] == {
        "size": 4000,
        "sha256": digest,
        "truncated": {"size": 10_000, "sha256": hashlib.sha256(payload).hexdigest()},
        "encoding": "file",
        "file": f"bodies/{digest}",
    }
    assert (tmp_path / "bodies" / digest).read_bytes() == kept


def test_bodies_past_the_scenario_cap_are_cut_to_what_is_left_and_then_to_nothing(harness):
    harness.configure(conformance_max_evidence=100)
    for body in (b"a" * 60, b"b" * 60, b"c" * 10):
        harness.handle_request(third_party_post(body))
    first, second, third = (record["body"] for record in harness.records("flow"))
    assert "truncated" not in first and first["data"] == "a" * 60
    assert second["data"] == "b" * 40
    assert second["truncated"] == {"size": 60, "sha256": hashlib.sha256(b"b" * 60).hexdigest()}
    assert third == {
        "size": 0,
        "sha256": EMPTY,
        "encoding": "utf8",
        "data": "",
        "truncated": {"size": 10, "sha256": hashlib.sha256(b"c" * 10).hexdigest()},
    }


def test_bodies_within_the_caps_carry_no_truncated_mark(harness):
    harness.configure(conformance_max_body=10, conformance_max_evidence=20)
    harness.handle_request(third_party_post(b"0123456789"))
    harness.handle_request(third_party_post(b"0123456789"))
    assert [("truncated" in r["body"]) for r in harness.records("flow")] == [False, False]


def test_negative_caps_are_refused(harness):
    with pytest.raises(exceptions.OptionsError, match="conformance_max_evidence must be"):
        harness.configure(conformance_max_evidence=-1)


def test_body_at_the_limit_stays_inline(harness):
    harness.configure(conformance_inline_limit=10)
    flow = third_party_post(b"0123456789")
    harness.handle_request(flow)
    assert harness.records("flow")[0]["body"]["encoding"] == "utf8"


def test_served_first_party_is_forwarded_to_the_local_server_and_recorded_under_its_name(harness):
    flow = tflow.tflow()
    flow.request.scheme = "https"
    flow.request.host = "app.example.test"
    flow.request.headers["host"] = "app.example.test"
    harness.handle_request(flow)
    assert flow.response is None
    assert (flow.request.host, flow.request.port, flow.request.scheme) == ("127.0.0.1", 8081, "http")
    [record] = harness.records("flow")
    assert record["host"] == "app.example.test"
    assert record["scheme"] == "https"
    assert record["answer"] == "local"


def test_passthrough_mode_does_not_answer(harness):
    harness.configure(conformance_mode="passthrough")
    flow = tflow.tflow()
    harness.handle_request(flow)
    assert flow.response is None
    assert harness.records("flow")[0]["answer"] == "upstream"


def test_rejects_bad_options(harness):
    for bad in (
        {"conformance_mode": "mirror"},
        {"conformance_serve": "app.example.test"},
        {"conformance_inline_limit": -1},
        {"conformance_stream_limit": 0},
        {"conformance_fsync": "sometimes"},
    ):
        with pytest.raises(exceptions.OptionsError):
            harness.configure(**bad)


def test_preflight_echoes_requested_headers():
    request = tflow.tflow().request
    request.method = "OPTIONS"
    request.headers["origin"] = "https://app.example.test"
    request.headers["access-control-request-headers"] = "content-type"
    headers = conformance_addon.cors_headers(request)
    assert headers["access-control-allow-headers"] == "content-type"
    assert headers["vary"] == "Origin"


def test_error_hook_writes_an_error_record(harness):
    flow = tflow.tflow(err=True)
    harness.addon.error(flow)
    [record] = harness.records("error")
    assert record["id"] == flow.id
    assert record["message"] == "error"
    assert record["stage"] == "request"


def test_error_hook_ignores_flows_without_error(harness):
    harness.addon.error(tflow.tflow())
    assert harness.records("error") == []


def test_each_websocket_message_is_a_record(harness):
    flow = tflow.twebsocketflow()
    messages = flow.websocket.messages
    flow.websocket.messages = []
    for message in messages:
        flow.websocket.messages.append(message)
        harness.addon.websocket_message(flow)
    records = harness.records("ws-message")
    assert [(r["seq"], r["direction"], r["opcode"]) for r in records] == [
        (0, "client-to-server", "binary"),
        (1, "client-to-server", "text"),
        (2, "server-to-client", "text"),
    ]
    assert records[1]["body"]["data"] == "hello text"
    assert records[0]["body"]["size"] == len(b"hello binary")
    assert {r["id"] for r in records} == {flow.id}


def test_server_sent_events_are_streamed_and_kept(harness):
    harness.configure(conformance_mode="passthrough")
    flow = tflow.tflow(resp=True)
    flow.response.headers["content-type"] = "text/event-stream"
    harness.addon.responseheaders(flow)
    assert callable(flow.response.stream)
    assert flow.response.stream(b"data: one\n\n") == b"data: one\n\n"
    flow.response.stream(b"data: two\n\n")
    harness.addon.response(flow)
    [response] = harness.records("response")
    assert response["streamed"] is True
    assert response["body"]["data"] == "data: one\n\ndata: two\n\n"


def real_client_hello(minimum=ssl.TLSVersion.TLSv1_2, maximum=ssl.TLSVersion.TLSv1_3, alpn=("h2", "http/1.1")):
    context = ssl.create_default_context()
    context.minimum_version = minimum
    context.maximum_version = maximum
    context.set_alpn_protocols(list(alpn))
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    connection = context.wrap_bio(incoming, outgoing, server_hostname="pinned.vendor.test")
    with pytest.raises(ssl.SSLWantReadError):
        connection.do_handshake()
    record = outgoing.read()
    return tls.ClientHello(record[9:])  # 5-byte record header + 4-byte handshake header


def test_offered_versions_come_from_the_supported_versions_extension():
    hello = real_client_hello()
    assert conformance_addon.offered_tls_versions(hello) == ["TLSv1.3", "TLSv1.2"]


def test_offered_version_of_an_old_client_is_its_legacy_version():
    hello = real_client_hello(maximum=ssl.TLSVersion.TLSv1_2)
    assert conformance_addon.offered_tls_versions(hello) == ["TLSv1.2"]


def test_refused_handshake_yields_a_complete_tls_failed_record(harness):
    client = tflow.tclient_conn()
    client.timestamp_tls_setup = None
    client.sni = "pinned.vendor.test"
    client.error = "Client TLS handshake failed. The client does not trust the proxy's certificate."
    ctx = proxy_context.Context(client, harness.context.options)
    ctx.server.address = ("pinned.vendor.test", 443)
    harness.addon.tls_clienthello(tls.ClientHelloData(ctx, real_client_hello()))
    harness.addon.tls_failed_client(tls.TlsData(client, ctx))
    [record] = harness.records("tls-failed")
    assert record["sni"] == "pinned.vendor.test"
    assert record["host"] == "pinned.vendor.test"
    assert record["port"] == 443
    assert record["offeredVersions"] == ["TLSv1.3", "TLSv1.2"]
    assert record["alpnOffered"] == ["h2", "http/1.1"]
    assert "does not trust" in record["error"]
    assert record["at"] > 0
    assert harness.tls_facts.offers == {}


def test_client_offer_is_forgotten_when_the_client_disconnects(harness):
    client = tflow.tclient_conn()
    ctx = proxy_context.Context(client, harness.context.options)
    harness.addon.tls_clienthello(tls.ClientHelloData(ctx, real_client_hello()))
    assert harness.tls_facts.facts(client)["offeredVersions"] == ["TLSv1.3", "TLSv1.2"]
    harness.addon.client_disconnected(client)
    assert harness.tls_facts.offers == {}


def test_running_writes_a_ready_record(harness):
    harness.addon.running()
    [ready] = harness.records("ready")
    assert ready["v"] == conformance_addon.RECORD_VERSION


class UnboundProxyServer:
    """mitmproxy's proxy server after its bind failed: no socket."""

    name = "proxyserver"
    is_running = True
    tcp_server = None


def test_running_writes_no_ready_record_and_stops_when_the_proxy_server_did_not_bind(harness):
    harness.context.master.addons.add(UnboundProxyServer())
    stops = []
    harness.context.master.shutdown = lambda: stops.append(True)
    harness.addon.running()
    assert harness.records("ready") == []
    assert stops == [True]


def test_running_writes_the_ready_record_when_the_proxy_server_listens(harness):
    server = UnboundProxyServer()
    server.tcp_server = object()
    harness.context.master.addons.add(server)
    harness.addon.running()
    assert len(harness.records("ready")) == 1


def test_stream_gets_every_record_and_a_stalled_reader_never_blocks_the_journal(tmp_path):
    read_end, write_end = os.pipe()
    journal = conformance_addon.Journal()
    journal.open(str(tmp_path / "flows.jsonl"), write_end, stream_limit=10)
    started = time.monotonic()
    big = "x" * 10_000
    for index in range(200):  # ~2 MB: far more than a pipe holds, and nobody reads yet
        journal.write({"type": "ready", "v": 1, "at": index, "pad": big})
    assert time.monotonic() - started < 5
    assert len(read_journal(tmp_path / "flows.jsonl")) == 200
    assert journal.stream_dropped > 0
    os.close(read_end)  # the reader goes away entirely
    journal.write({"type": "ready", "v": 1, "at": 999})
    journal.close()
    os.close(write_end)
    assert len(read_journal(tmp_path / "flows.jsonl")) == 201


def test_stream_delivers_everything_to_a_reader_that_keeps_up(tmp_path):
    read_end, write_end = os.pipe()
    journal = conformance_addon.Journal()
    journal.open(str(tmp_path / "flows.jsonl"), write_end)
    for index in range(50):
        journal.write({"type": "ready", "v": 1, "at": index})
    journal.close()
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as reader:
        lines = [json.loads(line) for line in reader]
    assert [line["at"] for line in lines] == list(range(50))
    assert journal.stream_dropped == 0


# The hot path computes some fields differently from mitmproxy's own helpers (for speed); these
# tests prove the output is the same.


def _requests_for_host_and_url():
    def make(**changes):
        request = tflow.tflow().request
        headers = changes.pop("headers", None)
        for name, value in changes.items():
            setattr(request, name, value)
        if headers is not None:
            request.headers.fields = headers
        return request

    yield make(headers=((b"host", b"app.example.test"),))
    yield make(headers=((b"host", b"App.Example.TEST:8443"),), scheme="https")
    yield make(headers=((b"host", b"app.example.test:443"),), scheme="https")
    yield make(headers=((b"host", b"app.example.test:80"),), scheme="http")
    yield make(headers=((b"host", b"[::1]:8080"),), scheme="http")
    yield make(headers=((b"host", b"[::1]"),), scheme="https")
    yield make(headers=((b"host", b"xn--bcher-kva.example"),))
    yield make(headers=((b"host", b"not a host!"),))  # malformed: mitmproxy keeps it as is
    yield make(headers=((b"host", b""),))
    yield make(headers=((b"x", b"y"),))  # no Host header: the request line's host
    yield make(headers=((b"host", b"a.example"),), path="/p?q=1&r=%20#f")
    yield make(headers=((b"host", b"a.example"),), path="*", method="OPTIONS")
    yield make(headers=((b"host", b"a.example:1"),), scheme="ws")
    h2 = make(headers=(), http_version="HTTP/2.0", authority="h2.example.test:8443", scheme="https")
    yield h2
    yield make(headers=((b"host", b"host-header.test"),), http_version="HTTP/2.0", authority="", scheme="https")
    connect = make(headers=(), method="CONNECT", host="tunnel.example.test", port=443, path="", authority="tunnel.example.test:443")
    yield connect


def test_pretty_host_and_url_equal_mitmproxys_properties():
    for request in _requests_for_host_and_url():
        assert conformance_addon.pretty_host_and_url(request) == (request.pretty_host, request.pretty_url), request


def test_flow_record_host_and_url_are_mitmproxys_pretty_host_and_url(harness):
    expected = []
    for request in _requests_for_host_and_url():
        flow = tflow.tflow()
        flow.request = request
        expected.append(((request.pretty_host or request.host).lower(), request.pretty_url))
        harness.handle_request(flow)
    records = harness.records("flow")
    assert [(r["host"], r["url"]) for r in records] == expected


def test_records_are_encoded_exactly_as_json_dumps_would():
    record = {
        "type": "flow",
        "v": 1,
        "n": None,
        "t": True,
        "f": 1712345678901.125,
        "big": 2**70,
        "text": 'caf\u00e9 \u4e2d "quoted" \\ \n\t\x00\x7f',
        "surrogates": b"caf\xe9".decode("utf-8", "surrogateescape"),
        "emoji": "\U0001f600",
        "headers": [["a", "b"], ["a", "c"]],
        "nested": {"x": [1, 2.5, {"y": []}]},
    }
    assert conformance_addon._encode(record) == json.dumps(record, ensure_ascii=True, separators=(",", ":"))


def test_empty_body_record_equals_the_computed_one(harness):
    expected = {"size": 0, "sha256": hashlib.sha256(b"").hexdigest(), "encoding": "utf8", "data": ""}
    for empty in (b"", None):
        assert harness.addon.bodies.record(empty) == expected
    harness.configure(conformance_inline_limit=0)
    assert harness.addon.bodies.record(b"") == expected


def test_each_record_reaches_the_kernel_before_write_returns_and_survives_sigkill(tmp_path):
    script = f"""
import os, signal, sys
sys.path.insert(0, {os.path.join(os.path.dirname(__file__), "..")!r})
import conformance_addon
journal = conformance_addon.Journal()
journal.open({str(tmp_path / "flows.jsonl")!r}, -1)
for index in range(100):
    journal.write({{"type": "ready", "v": 1, "at": index}})
os.kill(os.getpid(), signal.SIGKILL)
"""
    import subprocess

    completed = subprocess.run([sys.executable, "-c", script], check=False)
    assert completed.returncode == -9
    assert [r["at"] for r in read_journal(tmp_path / "flows.jsonl")] == list(range(100))


def test_journal_is_visible_to_another_reader_as_soon_as_write_returns(tmp_path):
    journal = conformance_addon.Journal()
    journal.open(str(tmp_path / "flows.jsonl"), -1)
    try:
        for index in range(3):
            journal.write({"type": "ready", "v": 1, "at": index})
            assert [r["at"] for r in read_journal(tmp_path / "flows.jsonl")] == list(range(index + 1))
    finally:
        journal.close()


def test_journal_appends_to_an_existing_file(tmp_path):
    path = tmp_path / "flows.jsonl"
    path.write_text('{"type":"ready","v":1,"at":0}\n', encoding="utf-8")
    journal = conformance_addon.Journal()
    journal.open(str(path), -1)
    journal.write({"type": "ready", "v": 1, "at": 1})
    journal.close()
    assert [r["at"] for r in read_journal(path)] == [0, 1]


def test_stream_queue_is_bounded_and_put_never_blocks(tmp_path):
    read_end, write_end = os.pipe()
    journal = conformance_addon.Journal()
    journal.open(str(tmp_path / "flows.jsonl"), write_end, stream_limit=5)
    journal._stream._fd = None  # noqa: SLF001 - as if the reader had gone away
    journal.write({"type": "ready", "v": 1, "at": 0})
    assert journal.stream_dropped == 1
    journal.close()
    os.close(read_end)
    os.close(write_end)


def test_sinkhole_mode_can_be_switched_back_on(harness):
    harness.configure(conformance_mode="passthrough")
    harness.configure(conformance_mode="sinkhole")
    flow = third_party_post()
    harness.handle_request(flow)
    assert flow.response.status_code == 204
