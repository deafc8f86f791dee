"""Textual screens: show the domain, collect keystrokes; no rules, no SQL."""
