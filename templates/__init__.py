"""Jinja2 templates of the pages (Spanish, es-CO); a package only so that `pip install .` ships them."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent
