"""``python -m basalt``: the same CLI as the ``basalt`` command."""

from basalt.cli import console_main

if __name__ == "__main__":
    console_main()
