"""Maintenance mode for nurses: PIN login, device tiles, jobs, supplies, reprints, records."""
