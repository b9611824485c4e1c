"""Runs mitmproxy's proxy core with the recording addon: the capture engine.

Usage: python3 engine.py [--without-recording] --set NAME=VALUE [--set NAME=VALUE ...]

mitmdump registers about thirty addons (replay, onboarding, cut and export, map and
modify rules, sticky cookies, flow saving, the flow printer, script loading, ...) and
offers every event of every flow to each of them. A capture uses none of them, and on
this code path that dispatch costs more CPU per request than recording does. The
``lean`` engine builds a master with only the addons the proxy core needs: the ones
that validate the core options, block non-local clients (``block_global``), refuse h2c
upgrades, run the proxy server, choose protocol layers and do TLS; the recording addon
takes the place loaded scripts have in mitmdump's chain. Flows, TLS and the options
are the same; so are the records.

If the lean master cannot be built (a mitmproxy release whose internals differ), the
engine says so on stderr and runs mitmdump itself with the addon as a script: slower,
same records. The journal's ``ready`` record names the engine that ran and mitmproxy's
version, so the evidence says what produced it.

Every option is given as ``--set``: the core's (``listen_host``, ``listen_port``,
``confdir``, ``connection_strategy``, ``termlog_verbosity``, ...) and the recording
addon's (``conformance_*``). An unknown option or a bad value ends the engine with
exit code 1 and the reason on stderr. ``--without-recording`` runs the same engine without
the recording addon: the floor the proxy benchmark measures the recording against.
``--check`` only says which engine a capture would get (exit code 0 for the lean one, 3 for
the fallback), for ``conformance doctor``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ADDON_PATH = os.path.join(HERE, "conformance_addon.py")
sys.path.insert(0, HERE)

import conformance_addon  # noqa: E402

USAGE = "usage: engine.py [--without-recording] --set NAME=VALUE [--set NAME=VALUE ...]"
WITHOUT_RECORDING = "--without-recording"


class UsageError(Exception):
    pass


def parse_args(argv: list[str]) -> tuple[list[str], bool]:
    """The ``NAME=VALUE`` specs of ``--set NAME=VALUE`` / ``--set=NAME=VALUE`` arguments, and
    whether to record (no ``--without-recording``)."""
    specs: list[str] = []
    recording = True
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == WITHOUT_RECORDING:
            recording = False
            index += 1
            continue
        if arg == "--set":
            if index + 1 >= len(argv):
                raise UsageError(f"--set needs NAME=VALUE; {USAGE}")
            spec = argv[index + 1]
            index += 2
        elif arg.startswith("--set="):
            spec = arg[len("--set=") :]
            index += 1
        else:
            raise UsageError(f"unknown argument {arg!r}; {USAGE}")
        if "=" not in spec or spec.startswith("="):
            raise UsageError(f"--set {spec!r} is not of the form NAME=VALUE")
        specs.append(spec)
    return specs, recording


def lean_master(options: Any, recording: bool = True) -> Any:
    """A master with the proxy core's addons and the recording addon (needs a running event loop).

    Raises ImportError, AttributeError or TypeError when this mitmproxy's internals differ
    from the ones this was written for (mitmproxy 8).
    """
    from mitmproxy import master
    from mitmproxy.addons import block, core, disable_h2c, errorcheck, next_layer, proxyserver, termlog, tlsconfig

    m = master.Master(options)
    m.addons.add(termlog.TermLog())
    # The order of mitmdump's chain, less what a capture does not use.
    m.addons.add(core.Core(), block.Block(), disable_h2c.DisableH2C(), proxyserver.Proxyserver())
    if recording:
        m.addons.add(conformance_addon.ConformanceAddon())
    m.addons.add(next_layer.NextLayer(), tlsconfig.TlsConfig())
    m.addons.add(errorcheck.ErrorCheck())
    return m


def run_lean(specs: list[str], recording: bool = True) -> Optional[int]:
    """Runs the lean engine until SIGTERM/SIGINT. Returns None when it could not be built."""
    from mitmproxy import exceptions, options

    async def main() -> Optional[int]:
        opts = options.Options()
        try:
            m = lean_master(opts, recording)
        except (ImportError, AttributeError, TypeError) as error:
            print(
                f"engine: the lean engine does not fit this mitmproxy ({type(error).__name__}: {error}); "
                "running mitmdump with the addon as a script instead",
                file=sys.stderr,
            )
            return None
        try:
            opts.set(*(["conformance_engine=lean"] if recording else []), *specs)
        except exceptions.OptionsError as error:
            print(f"engine: {error}", file=sys.stderr)
            return 1
        loop = asyncio.get_running_loop()
        signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(m.shutdown))
        signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(m.shutdown))
        await m.run()
        return 0

    return asyncio.run(main())


def check() -> int:
    """Builds the lean master and says whether captures run on it, on one line."""
    from mitmproxy import options, version

    async def build() -> None:
        lean_master(options.Options())

    where = f"mitmproxy {version.VERSION} on Python {sys.version.split()[0]} ({sys.executable})"
    try:
        asyncio.run(build())
    except (ImportError, AttributeError, TypeError) as error:
        print(f"mitmdump engine: the lean engine does not fit {where}: {type(error).__name__}: {error}")
        return 3
    print(f"lean engine: {where}")
    return 0


def mitmdump_args(specs: list[str]) -> list[str]:
    """mitmdump's arguments for the same capture: the addon as a script, the flow printer silent."""
    args = ["--scripts", ADDON_PATH, "--set", "flow_detail=0", "--set", "conformance_engine=mitmdump"]
    for spec in specs:
        args += ["--set", spec]
    return args


def run_mitmdump(specs: list[str]) -> int:
    from mitmproxy.tools.main import mitmdump

    mitmdump(mitmdump_args(specs))
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        return check()
    try:
        specs, recording = parse_args(argv)
    except UsageError as error:
        print(f"engine: {error}", file=sys.stderr)
        return 2
    status = run_lean(specs, recording)
    if status is None and not recording:
        print("engine: --without-recording needs the lean engine", file=sys.stderr)
        return 1
    if status is None:
        status = run_mitmdump(specs)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
