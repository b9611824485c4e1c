"""Unit tests of the capture engine (engine.py): arguments, the lean master, the fallback."""

import asyncio
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import conformance_addon  # noqa: E402
import engine  # noqa: E402


def test_parse_args_takes_set_specs_in_both_spellings_and_the_floor_switch():
    assert engine.parse_args(["--set", "a=1", "--set=b=x=y", "--set", "c="]) == (["a=1", "b=x=y", "c="], True)
    assert engine.parse_args(["--without-recording", "--set", "a=1"]) == (["a=1"], False)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--set"], "--set needs NAME=VALUE"),
        (["--set", "novalue"], "is not of the form NAME=VALUE"),
        (["--set", "=1"], "is not of the form NAME=VALUE"),
        (["-q"], "unknown argument '-q'"),
    ],
)
def test_parse_args_refuses_anything_else(argv, message):
    with pytest.raises(engine.UsageError, match=message):
        engine.parse_args(argv)


def test_main_reports_a_usage_error_with_exit_code_2(capsys):
    assert engine.main(["--listen-port", "8080"]) == 2
    assert "unknown argument '--listen-port'" in capsys.readouterr().err


def build_lean(options=(), recording=True):
    """The lean master with `options` set, inside an event loop as mitmproxy needs."""

    async def build():
        from mitmproxy import options as moptions

        opts = moptions.Options()
        m = engine.lean_master(opts, recording)
        opts.set(*options)
        return m

    return asyncio.run(build())


def test_the_lean_master_has_the_proxy_core_and_the_recording_addon_and_nothing_else():
    m = build_lean()
    names = [type(addon).__name__ for addon in m.addons.chain]
    assert names == [
        "TermLog",
        "Core",
        "Block",
        "DisableH2C",
        "Proxyserver",
        "ConformanceAddon",
        "NextLayer",
        "TlsConfig",
        "ErrorCheck",
    ]
    # What mitmdump adds and a capture does not use.
    for absent in ("Dumper", "ScriptLoader", "ServerPlayback", "ClientPlayback", "Save", "Onboarding"):
        assert absent not in names
    floor = [type(addon).__name__ for addon in build_lean(recording=False).addons.chain]
    assert floor == [name for name in names if name != "ConformanceAddon"]


def test_options_reach_the_recording_addon_and_the_ready_record_names_the_engine(tmp_path):
    journal = tmp_path / "flows.jsonl"
    m = build_lean([f"conformance_journal={journal}", "conformance_engine=lean", "conformance_mode=passthrough"])
    addon = next(a for a in m.addons.chain if isinstance(a, conformance_addon.ConformanceAddon))
    assert addon.router.mode == "passthrough"
    addon.running()
    addon.done()
    ready = json.loads(journal.read_text().splitlines()[0])
    assert ready["type"] == "ready"
    assert ready["engine"] == "lean"
    assert ready["mitmproxy"].split(".")[0].isdigit()


def test_a_refused_option_ends_the_lean_engine_with_the_reason(capsys):
    assert engine.run_lean(["conformance_mode=mirror"]) == 1
    assert "conformance_mode must be one of sinkhole, passthrough, not 'mirror'" in capsys.readouterr().err


def test_an_unknown_option_ends_the_lean_engine_with_its_name(capsys):
    assert engine.run_lean(["no_such_option=1"]) == 1
    assert "Unknown option(s): no_such_option" in capsys.readouterr().err


def test_a_mitmproxy_whose_internals_differ_falls_back_to_mitmdump(monkeypatch, capsys):
    def incompatible(options):
        raise ImportError("cannot import name 'proxyserver'")

    ran = []
    monkeypatch.setattr(engine, "lean_master", lambda options, recording: incompatible(options))
    monkeypatch.setattr(engine, "run_mitmdump", lambda specs: ran.append(specs) or 0)
    assert engine.main(["--set", "listen_port=8080"]) == 0
    assert ran == [["listen_port=8080"]]
    assert "running mitmdump with the addon as a script instead" in capsys.readouterr().err


def test_the_fallback_runs_mitmdump_with_the_addon_as_a_script_and_the_same_options():
    assert engine.mitmdump_args(["listen_port=8080", "conformance_mode=passthrough"]) == [
        "--scripts",
        engine.ADDON_PATH,
        "--set",
        "flow_detail=0",
        "--set",
        "conformance_engine=mitmdump",
        "--set",
        "listen_port=8080",
        "--set",
        "conformance_mode=passthrough",
    ]
    assert os.path.exists(engine.ADDON_PATH)


def test_the_floor_has_no_fallback(monkeypatch, capsys):
    def incompatible(options, recording):
        raise AttributeError("module 'mitmproxy.addons.core' has no attribute 'Core'")

    monkeypatch.setattr(engine, "lean_master", incompatible)
    monkeypatch.setattr(engine, "run_mitmdump", lambda specs: pytest.fail("mitmdump would record"))
    assert engine.main(["--without-recording", "--set", "listen_port=8080"]) == 1
    assert "--without-recording needs the lean engine" in capsys.readouterr().err


def test_check_names_the_engine_captures_get(monkeypatch, capsys):
    assert engine.main(["--check"]) == 0
    assert capsys.readouterr().out.startswith("lean engine: mitmproxy ")

    def incompatible(options, recording=True):
        raise TypeError("Master() takes no arguments")

    monkeypatch.setattr(engine, "lean_master", incompatible)
    assert engine.main(["--check"]) == 3
    assert "mitmdump engine: the lean engine does not fit mitmproxy" in capsys.readouterr().out
