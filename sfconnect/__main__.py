"""``python -m sfconnect``: the same as the ``sfconnect`` command."""

from sfconnect.cli.main import main

main()
