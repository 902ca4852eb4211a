"""``sc-policy lsp``: the language server for editors, over standard input and output (the ``lsp`` extra)."""

from __future__ import annotations

import click

from sc_policy.diagnostics import missing_extra


@click.command()
@click.option("--stdio", is_flag=True, help="Speak over standard input and output (the default and only "
                                            "transport; accepted because editors' LSP clients pass it).")
def lsp(stdio):
    """Run the Language Server Protocol server for rule files over standard input and output.

    An editor starts it and sends it the rule files it opens: on each open and change, the file's
    version is checked with the unsaved text and its findings are shown as diagnostics; hovering
    over a NOC or NAICS code shows its official title, over a citation's line the source's line;
    completion offers fact names in clause expressions and area ids in applies_to.
    """
    try:
        from sc_policy.lsp.server import run
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        raise missing_extra(f"the language server needs pygls ({missing} is not installed)", "lsp") from None
    run()
