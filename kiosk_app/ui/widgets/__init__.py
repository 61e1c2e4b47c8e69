"""Widgets the screens share that are more than a styled label or button."""
