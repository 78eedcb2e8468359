"""Emulator test set-up: nextcord's own warnings are filtered in pyproject.toml."""
