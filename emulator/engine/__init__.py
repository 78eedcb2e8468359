"""One emulated Discord at work: its settings, the pieces its layers share (``core``), what
happens when the bot or a member acts (``actions``, ``interactions``) and the log of requests.

May import: ``emulator.rules``, ``emulator.gateway`` and ``emulator.engine``.
"""
