"""What `pip install sc-policy` gets. The wheel holds every file the package reads (its modules, the
pages' templates, StatCan's reference data with its PROVENANCE.md, the shipped policy tree, the
schemas) and the licence; the source distribution holds every file of the repository, so that its
tests run from it (tests/conftest.py, schemathesis.toml). Both are built by setuptools, the backend
pyproject.toml names, from a copy of the files git tracks, as they are in the working tree."""

from __future__ import annotations

import email
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_BUILD = """import pathlib, sys
from setuptools import build_meta
out = pathlib.Path(sys.argv[1])
names = [build_meta.build_wheel(str(out)), build_meta.build_sdist(str(out))]
(out / "built.txt").write_text(chr(10).join(names))
"""


def _tracked() -> list:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip("not a git checkout (an unpacked sdist, say): no list of the repository's files")
    return sorted(n for n in out.decode("utf-8").split("\0") if n and (ROOT / n).is_file())


def _can_build_wheels() -> bool:
    """setuptools 70.1 builds wheels itself (the test extra asks for it); an older one needs the wheel package."""
    import setuptools
    major, minor = (int(p) for p in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(the tracked files, the wheel's names, its METADATA, the sdist's names below its top folder)."""
    if not _can_build_wheels():
        pytest.skip('needs setuptools>=70.1, which the test extra installs (pip install ".[test]")')
    tracked = _tracked()
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("dist")
    for name in tracked:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    done = subprocess.run([sys.executable, "-c", _BUILD, str(out)], cwd=src, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    wheel_name, sdist_name = (out / "built.txt").read_text().split("\n")
    with zipfile.ZipFile(out / wheel_name) as wheel:
        names = set(wheel.namelist())
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(wheel.read(meta))
    with tarfile.open(out / sdist_name) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if m.isfile() and "/" in m.name}
    return tracked, names, metadata, members


def test_the_wheel_holds_every_file_the_package_reads(built):
    tracked, names, _, _ = built
    needed = set()
    for name in tracked:
        top, _, rest = name.partition("/")
        if top == "sc_policy":
            needed.add(name)
        elif top in ("policies", "schemas"):  # installed inside the package (package_dir in setup.cfg)
            needed.add(f"sc_policy/{top}/{rest}")
    assert {"sc_policy/refdata/PROVENANCE.md", "sc_policy/present/templates/style.css",
            "sc_policy/schemas/clause.schema.json", "sc_policy/py.typed"} <= needed
    assert any(n.startswith("sc_policy/policies/") and n.endswith("/version.yaml") for n in needed)
    assert sorted(needed - names) == []
    # nothing else lands in site-packages: no tests/ or benchmarks/ package beside sc_policy
    assert sorted(n for n in names if not n.startswith("sc_policy/") and ".dist-info/" not in n) == []


def test_the_wheel_carries_its_licence_and_metadata(built):
    _, names, metadata, _ = built
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names)
    assert "MIT License" in (ROOT / "LICENSE").read_text("utf-8")
    assert metadata["License"] == "MIT" or metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"].startswith(">=")
    assert set(metadata.get_all("Provides-Extra")) >= {"data", "serve", "lsp", "test"}
    # `pip show sc-policy` names who (the licence's copyright holder; setuptools deprecates licence classifiers)
    holder = re.search(r"Copyright \(c\) \d{4} (.+)", (ROOT / "LICENSE").read_text("utf-8")).group(1).strip()
    assert metadata["Author"] == holder
    # every extra the README tells a user to install exists
    named = set(re.findall(r'(?:"\.|sc-policy)\[([a-z,]+)\]"', (ROOT / "README.md").read_text("utf-8")))
    assert named and {e for n in named for e in n.split(",")} <= set(metadata.get_all("Provides-Extra"))


def test_the_sdist_holds_every_file_of_the_repository(built):
    tracked, _, _, members = built
    assert sorted(set(tracked) - members) == []
    assert {"tests/conftest.py", "schemathesis.toml", "LICENSE"} <= members


def test_imported_from_a_zip_archive_it_says_so_in_one_line(tmp_path):
    """A zipped install (sc_policy/ inside a .zip on sys.path) cannot read its own files as files: a command
    says so in one line naming the archive, exit 2 (it was 'policy tree not found' at a path inside the
    archive, or a schema's 'Not a directory')."""
    archive = tmp_path / "sc-policy.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted((ROOT / "sc_policy").rglob("*.py")):
            z.write(path, path.relative_to(ROOT).as_posix())
    env = {**os.environ, "PYTHONPATH": str(archive), "SC_POLICY_NO_CACHE": "1"}
    env.pop("SC_POLICY_PATH", None)
    for args in (["explain", "2174"], ["check", "--policies", str(ROOT / "policies")]):
        done = subprocess.run([sys.executable, "-m", "sc_policy", *args], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=120)
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr == (f"sc-policy: error: sc-policy is imported from {archive}, not from folders of files: it "
                               "cannot read its own policy tree, schemas and reference data there; install it "
                               "unpacked (pip install sc-policy)\n")


def _floors() -> list:
    """setup.cfg's install_requires and lsp extra, each at the lowest version it admits (``name>=X,<Y`` ->
    ``name==X``)."""
    import configparser
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    pins = []
    lines = config["options"]["install_requires"] + "\n" + config["options.extras_require"]["lsp"]
    for line in lines.split("\n"):
        if line.strip():
            name, _, rest = line.strip().partition(">=")
            assert name and rest, f"install_requires names no lowest version: {line!r}"
            pins.append(f"{name}=={rest.split(',')[0]}")
    return pins


@pytest.mark.slow
def test_the_lowest_versions_install_requires_admits_give_the_same_answers(tmp_path):
    """Each dependency at the lowest version setup.cfg admits (pip keeps an older one already installed
    when it satisfies the range) decides, checks and tests as today's versions do: rule-engine 4.5 failed
    every version ('resolved to incorrect datatype (is: SET, expected: SET)'), Cerberus before 1.3.5 does
    not import without pkg_resources, click 8.1 has no NoArgsIsHelpError, and the language server on
    pygls 2.0.0 wrote a traceback when stopped during a check."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                           "--disable-pip-version-check", *_floors()], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SC_POLICY_NO_CACHE": "1"}
    env.pop("SC_POLICY_PATH", None)
    for args in (["test"], ["explain", "2174", "--industry", "541514", "--format", "json"]):
        lowest, today = (subprocess.run([exe, "-m", "sc_policy", *args], capture_output=True, text=True, cwd=tmp_path,
                                        env=env, timeout=300) for exe in (str(python), sys.executable))
        assert (lowest.returncode, lowest.stdout, lowest.stderr) == (today.returncode, today.stdout, today.stderr)
    bare = subprocess.run([str(python), "-m", "sc_policy"], capture_output=True, text=True, env=env, timeout=120)
    assert bare.returncode in (0, 2) and "Usage: sc-policy" in bare.stdout + bare.stderr
    assert "Traceback" not in bare.stderr and "error:" not in bare.stderr
    # the language server, asked to stop while it checks a file just opened (pygls 2.0.0 wrote a traceback)
    clause = ROOT / "policies" / "second-career-fast-track" / "phase-1.1" / "clauses" / "skill-level-limit.yaml"
    session = b"".join(_rpc(m) for m in (
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None,
                                                                        "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": clause.as_uri(), "languageId": "yaml", "version": 1, "text": clause.read_text("utf-8")}}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"}))
    served = subprocess.run([str(python), "-m", "sc_policy", "lsp"], input=session, capture_output=True, env=env,
                            timeout=120)
    assert served.returncode == 0 and b'"id": 1' in served.stdout and b'"id": 2' in served.stdout
    assert served.stderr == b""


def _rpc(message: dict) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body
