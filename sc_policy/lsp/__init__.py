"""``sc-policy lsp``: a Language Server Protocol server for the rule files of a policy tree (needs the ``lsp`` extra).

One module per job: :mod:`~sc_policy.lsp.server` wires the protocol's messages (pygls, over stdio),
:mod:`~sc_policy.lsp.overlay` checks a version with the editor's unsaved texts,
:mod:`~sc_policy.lsp.diagnostics` turns findings into LSP diagnostics, :mod:`~sc_policy.lsp.hover`
and :mod:`~sc_policy.lsp.completion` answer those requests, :mod:`~sc_policy.lsp.references` finds the
entry an id names (go to definition), and :mod:`~sc_policy.lsp.context` reads what the cursor is on.
Importing this package imports nothing else (pygls is imported by the server).
"""
