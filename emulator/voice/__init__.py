"""Voice: the voice gateway and its TLS certificate, UDP, DAVE (``voice.dave``) and what the
emulated members hear.

May import: ``emulator.rules`` and ``emulator.voice``.
"""
