"""Unit tests of the recording addon with mitmproxy's own test helpers."""

import json
import os
import sys

import pytest
from mitmproxy import exceptions
from mitmproxy.test import taddons, tflow

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import conformance_addon  # noqa: E402


def read_journal(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture
def recorder(tmp_path):
    addon = conformance_addon.ConformanceRecorder()
    with taddons.context(addon) as context:
        context.configure(
            addon,
            conformance_journal=str(tmp_path / "flows.jsonl"),
            conformance_serve="app.example.test=127.0.0.1:8081",
        )
        yield addon, context, tmp_path / "flows.jsonl"
        addon.done()


def test_records_request_when_complete_and_answers_third_party_with_204(recorder):
    addon, _, journal = recorder
    flow = tflow.tflow()
    flow.request.host = "collect.vendor.test"
    flow.request.headers["host"] = "collect.vendor.test"
    flow.request.headers["origin"] = "https://app.example.test"
    flow.request.method = "POST"
    flow.request.content = b'{"imei":"490154203237518"}'
    addon.request(flow)

    assert flow.response.status_code == 204
    assert flow.response.headers["access-control-allow-origin"] == "https://app.example.test"
    assert flow.response.headers["access-control-allow-credentials"] == "true"
    [record] = read_journal(journal)
    assert record["type"] == "flow"
    assert record["host"] == "collect.vendor.test"
    assert record["answer"] == "sinkhole"
    assert record["body"]["data"] == '{"imei":"490154203237518"}'
    assert record["body"]["size"] == 26


def test_binary_body_is_kept_exactly_as_base64(recorder):
    addon, _, journal = recorder
    flow = tflow.tflow()
    flow.request.content = bytes(range(256))
    addon.request(flow)
    [record] = read_journal(journal)
    assert record["body"]["encoding"] == "base64"
    import base64

    assert base64.b64decode(record["body"]["data"]) == bytes(range(256))


def test_served_first_party_is_forwarded_to_the_local_server_and_recorded_under_its_name(recorder):
    addon, _, journal = recorder
    flow = tflow.tflow()
    flow.request.scheme = "https"
    flow.request.host = "app.example.test"
    flow.request.headers["host"] = "app.example.test"
    addon.request(flow)
    assert flow.response is None
    assert (flow.request.host, flow.request.port, flow.request.scheme) == ("127.0.0.1", 8081, "http")
    [record] = read_journal(journal)
    assert record["host"] == "app.example.test"
    assert record["scheme"] == "https"
    assert record["answer"] == "local"


def test_passthrough_mode_does_not_answer(recorder):
    addon, context, journal = recorder
    context.configure(addon, conformance_mode="passthrough")
    flow = tflow.tflow()
    addon.request(flow)
    assert flow.response is None
    assert read_journal(journal)[0]["answer"] == "upstream"


def test_rejects_bad_options(recorder):
    addon, context, _ = recorder
    with pytest.raises(exceptions.OptionsError):
        context.configure(addon, conformance_mode="mirror")
    with pytest.raises(exceptions.OptionsError):
        context.configure(addon, conformance_serve="app.example.test")


def test_preflight_echoes_requested_headers():
    request = tflow.tflow().request
    request.method = "OPTIONS"
    request.headers["origin"] = "https://app.example.test"
    request.headers["access-control-request-headers"] = "content-type"
    headers = conformance_addon.cors_headers(request)
    assert headers["access-control-allow-headers"] == "content-type"
    assert headers["vary"] == "Origin"
