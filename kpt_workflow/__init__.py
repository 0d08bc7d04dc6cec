"""kpt-workflow: the legal lifecycle of Colombia's Territorial Development Plans (PDT)."""

__version__ = "0.1.0"
