"""Persistence: tables, the engine, sessions, migrations and read paths."""
