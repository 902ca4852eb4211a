"""The rule-file loader composes with libyaml when it can, and with the strict pure-Python loader
otherwise: both give the same data and positions, and libyaml never lets through what the strict
loader refuses (anchors, aliases, tags, duplicate keys, characters YAML does not allow)."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import sc_policy.load.yamlfile as yamlfile
from sc_policy.diagnostics import PolicyLoadError
from sc_policy.resources import shipped_policies

needs_libyaml = pytest.mark.skipif(getattr(yaml, "CSafeLoader", None) is None, reason="PyYAML without libyaml")


def _parse(raw: bytes, fast: bool, monkeypatch):
    """(data, spans) or (the error's code, message and span) with libyaml allowed or not."""
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(yamlfile, "_FAST_LOADER", None)
        yamlfile._remembered.cache_clear()  # parsed again, not remembered from the other loader's parse
        try:
            doc = yamlfile.parse_document(raw, "f.yaml")
        except PolicyLoadError as exc:
            d = exc.diagnostic
            return ("error", d.code, d.message, d.span)
        return (doc.data, dict(doc.spans))


@needs_libyaml
def test_every_shipped_rule_file_reads_the_same_by_either_loader(monkeypatch):
    files = sorted(shipped_policies().rglob("*.yaml"))
    assert len(files) > 10
    used = []
    real = yamlfile._compose_fast

    def spy(text):
        node, loader = real(text)
        if yamlfile._FAST_LOADER is not None:  # (the strict run switches libyaml off)
            used.append(loader is not None)
        return node, loader

    monkeypatch.setattr(yamlfile, "_compose_fast", spy)
    for path in files:
        raw = path.read_bytes()
        assert _parse(raw, True, monkeypatch) == _parse(raw, False, monkeypatch), path
    assert len(used) == len(files) and all(used)  # libyaml composed every one (none can hold an anchor)


REFUSED = [
    (b"a: &x 1\nb: *x\n", "unsafe-yaml"),
    (b"a: &x 1\n", "unsafe-yaml"),
    (b"a: !!python/object:os.system 1\n", "unsafe-yaml"),
    (b"a: !custom 1\n", "unsafe-yaml"),
    (b"a: 1\na: 2\n", "duplicate-key"),
    (b"a: \x07\n", "yaml-syntax"),
    (b"a:\n\t- 1\n", "yaml-syntax"),
    (b"a: [1, 2\n", "yaml-syntax"),
    (b"1: x\n", "wrong-type"),
    (b"a: 2021-02-30\n", "yaml-syntax"),
]


@pytest.mark.parametrize("raw,code", REFUSED)
def test_both_loaders_refuse_alike(raw, code, monkeypatch):
    fast, strict = _parse(raw, True, monkeypatch), _parse(raw, False, monkeypatch)
    assert strict[:2] == ("error", code), strict
    assert fast == strict


_scalar = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12).map(lambda s: repr(s)),
    st.sampled_from(["yes", "no", "null", "~", "1.5", "0x1f", "2021-04-01", "'quoted'", '"d\\u00e9j\\u00e0"',
                     "plain text", "caf\u00e9 \u201cquote\u201d", "a: b", "- x", "#c", "'", "[1, 2]", "{a: 1}",
                     "", "|\n  block\n  text", ">\n  folded"]),
)


@needs_libyaml
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d\u00e9", "1", "a b"]), _scalar,
                          st.sampled_from(["", "  ", "\n  - ", " # note"])), min_size=1, max_size=6))
def test_generated_documents_read_the_same_by_either_loader(entries):
    text = "".join(f"{k}:{sep if sep.startswith(chr(10)) else ' '}{v}{sep if not sep.startswith(chr(10)) and sep.strip() else ''}\n"
                   for k, v, sep in entries)
    raw = text.encode("utf-8")
    with pytest.MonkeyPatch.context() as m:
        assert _parse(raw, True, m) == _parse(raw, False, m), text


@pytest.mark.parametrize("raw", [b"a: &x\n", b"a: *x\n", b"a: [&x 1, *x]\n", b"a: {b: &c d}\n", b'a: "&x"\n',
                                 b"a: x&y\n", b"a: 'x & y'\n", b"a: (s & t)\n", b"- &a b\n- *a\n"])
def test_anchor_like_text_reads_the_same_by_either_loader(raw, monkeypatch):
    assert _parse(raw, True, monkeypatch) == _parse(raw, False, monkeypatch)
