"""``python -m lianban.cli``."""

from lianban.cli.main import app

app()
