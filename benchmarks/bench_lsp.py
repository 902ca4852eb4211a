"""Benchmark: how soon `sc-policy lsp` publishes the findings of an edit to a rule file of the shipped version.

Not a test. Run it from a checkout with the ``lsp`` extra installed:

    python benchmarks/bench_lsp.py [--runs 20]

It starts the real server (``python -m sc_policy.lsp``) with a real client (pygls), opens
``areas/ict.yaml`` of a copy of the shipped tree, and times, in the same run:

* first open: from ``didOpen`` to the file's diagnostics (the server imports the checks and
  reads the reference tables then);
* A, an edit through the server: from a ``didChange`` (the whole text, alternately with a NOC
  code mistyped and fixed again) to the diagnostics of that document version; this includes
  the server's wait for the next keystroke (``SETTLE``, 0.1 s) and the JSON-RPC round trip;
* B, the baseline: the same check in this process, ``Workspace(tree, overlay={file: text}).check``
  of the version with the same texts, without the server.

A and B alternate (A B A B ...); it prints the median and the slowest of each, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from sc_policy.app.workspace import Workspace
from sc_policy.resources import shipped_policies

RULE_FILE = "second-career-fast-track/phase-1/areas/ict.yaml"


async def measure(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "policies"
        shutil.copytree(shipped_policies(), root)
        path = root / RULE_FILE
        saved = path.read_text(encoding="utf-8")
        mistaken = saved.replace("- code: '2282'", "- code: '2292'")
        uri = from_fs_path(str(path))

        client = LanguageClient("bench-lsp", "1")
        arrived = {}  # document version -> (time, error codes)

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams):
            if params.uri == uri and params.version is not None:
                errors = {d.code for d in params.diagnostics if d.severity == types.DiagnosticSeverity.Error}
                arrived.setdefault(params.version, (time.perf_counter(), errors))

        async def until(version: int) -> float:
            while version not in arrived:
                await asyncio.sleep(0.001)
            return arrived[version][0]

        await client.start_io(sys.executable, "-m", "sc_policy.lsp")
        await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
        client.initialized(types.InitializedParams())

        start = time.perf_counter()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=saved)))
        first = await until(1) - start

        through_server, in_process = [], []
        for run in range(runs):
            version = run + 2
            text = mistaken if run % 2 == 0 else saved
            start = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangeWholeDocument(text=text)]))
            through_server.append(await until(version) - start)
            expected = "unknown-noc" in arrived[version][1]
            if expected != (text is mistaken):
                raise SystemExit(f"version {version}: the diagnostics do not follow the edit: {arrived[version][1]}")
            start = time.perf_counter()
            Workspace(root, overlay={path: text}).check(["second-career-fast-track/phase-1"])
            in_process.append(time.perf_counter() - start)

        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()

    a, b = statistics.median(through_server), statistics.median(in_process)
    print(f"first open (didOpen to diagnostics):         {first * 1000:7.1f} ms")
    print(f"A edit through the server, median of {runs:3d}:   {a * 1000:7.1f} ms (slowest {max(through_server) * 1000:.1f} ms)")
    print(f"B same check in process, median of {runs:3d}:     {b * 1000:7.1f} ms (slowest {max(in_process) * 1000:.1f} ms)")
    print(f"A / B: {a / b:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(measure(parser.parse_args().runs))


if __name__ == "__main__":
    main()
