"""``python -m sc_policy``: the ``sc-policy`` command, for an environment without the console script."""

from sc_policy.cli import main

if __name__ == "__main__":
    main(prog_name="sc-policy")
