"""``python -m basalt``: the same CLI as the ``basalt`` command."""

from basalt.cli import main

if __name__ == "__main__":
    main()
