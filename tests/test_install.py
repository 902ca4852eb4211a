"""The command a missing extra's error gives installs the extra from where this sc-policy came from
(sc-policy is not on a package index: `pip install "sc-policy[data]"` would find nothing there, or
someone else's package)."""

import os
import subprocess
import sys
from importlib import metadata

import pytest

from sc_policy.cli.install import install_command, origin


@pytest.mark.parametrize("recorded, command", [
    (None, "pip install 'sc-policy[data]'"),
    ({"url": "file:///home/ana/sc-policy", "dir_info": {}}, "pip install '/home/ana/sc-policy[data]'"),
    ({"url": "file:///home/ana/sc-policy", "dir_info": {"editable": True}}, "pip install -e '/home/ana/sc-policy[data]'"),
    ({"url": "file:///home/ana/my%20policy", "dir_info": {"editable": False}}, "pip install '/home/ana/my policy[data]'"),
    # a folder whose name holds a percent sign: pip quotes it once (%25), and it is unquoted once
    ({"url": "file:///home/ana/my%2520policy", "dir_info": {}}, "pip install '/home/ana/my%20policy[data]'"),
    ({"url": "https://github.com/ontario/sc-policy", "vcs_info": {"vcs": "git", "commit_id": "ab12"}},
     "pip install 'sc-policy[data] @ git+https://github.com/ontario/sc-policy'"),
    ({"url": "https://github.com/ontario/sc-policy", "vcs_info": {"vcs": "git", "requested_revision": "v0.1.0"}},
     "pip install 'sc-policy[data] @ git+https://github.com/ontario/sc-policy@v0.1.0'"),
    ({"url": "file:///tmp/sc_policy-0.1.0-py3-none-any.whl", "archive_info": {}},
     "pip install 'sc-policy[data] @ file:///tmp/sc_policy-0.1.0-py3-none-any.whl'"),
])
def test_the_command_names_where_sc_policy_was_installed_from(recorded, command):
    assert install_command("data", recorded) == command


@pytest.mark.parametrize("text", ["not json", "[]", '{"dir_info": {}}', '{"url": 3}', ""])
def test_an_unreadable_record_of_origin_gives_the_index_form(monkeypatch, text):
    class Found:
        def read_text(self, name):
            assert name == "direct_url.json"
            return text
    monkeypatch.setattr(metadata, "distributions", lambda name: [Found()])
    assert origin() is None


def test_a_checkout_s_build_record_does_not_hide_the_installed_copy_s(monkeypatch):
    """A build leaves ``sc_policy.egg-info`` in the checkout, found first when Python runs there; it
    records no origin, and the installed copy's record is used."""
    class Found:
        def __init__(self, text):
            self.text = text

        def read_text(self, name):
            return self.text
    installed = '{"url": "file:///home/ana/sc-policy", "dir_info": {"editable": true}}'
    monkeypatch.setattr(metadata, "distributions", lambda name: [Found(None), Found(installed)])
    assert install_command("lsp", origin()) == "pip install -e '/home/ana/sc-policy[lsp]'"


def test_this_copy_names_the_folder_it_was_installed_from():
    """The test command installs sc-policy from its checkout (`pip install ".[test]"`, or `-e`): the
    command given names that checkout, which holds the package's metadata."""
    recorded = origin()
    if recorded is None or "dir_info" not in recorded:
        pytest.skip("this sc-policy was not installed by pip from a folder")
    command = install_command("data", recorded)
    folder = command.split("'")[1][:-len("[data]")]
    assert os.path.isfile(os.path.join(folder, "setup.cfg")), command


def test_a_missing_extra_error_gives_the_command_in_one_line(tmp_path):
    """End to end, in a process of its own that cannot import pyarrow (as without the data extra)."""
    code = ("import sys; sys.modules['pyarrow'] = None; from sc_policy.cli import main; "
            "main(['table', '--format', 'parquet'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    expected = install_command("data", origin())
    assert result.stderr == ("sc-policy: error: reading or writing Parquet needs pyarrow, which is not installed "
                             f"({expected})\n")
