"""Builders shared by the test suites (plain functions, no fixtures)."""
