"""Declarative workflow definitions (YAML) and their loader/validator."""
