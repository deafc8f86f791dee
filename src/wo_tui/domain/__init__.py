"""Business rules over the store: importable and testable without Textual."""
