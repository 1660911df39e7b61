"""Runs every scenario in features/*.feature (step definitions: features/conftest.py)."""

from pytest_bdd import scenarios

scenarios(".")
