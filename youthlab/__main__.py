"""``python -m youthlab``: the same as the ``youthlab`` command."""

from youthlab.cli import main

main()
