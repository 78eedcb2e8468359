"""The gateway WebSocket: sessions (IDENTIFY, RESUME, heartbeats, dispatch), shards and
Request Guild Members.

May import: ``emulator.rules`` and ``emulator.gateway``.
"""
