"""Discord's REST API v10, the part the bot uses, its CDN and OAuth2 endpoints, and the
contract check of what went through it against Discord's OpenAPI description.

May import: ``emulator.rules``, ``emulator.engine`` and ``emulator.rest``.
"""
