"""Core: plain models, errors and messages. Standard library only."""
