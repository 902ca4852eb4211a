"""``python -m sc_policy.lsp``: the language server, as ``sc-policy lsp`` runs it (one-line error without pygls)."""

import sys

from sc_policy.cli import main

if __name__ == "__main__":
    main(["lsp", *sys.argv[1:]], prog_name="sc-policy")
