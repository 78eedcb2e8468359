"""Members acting and seeing: the driver tests use, messages as a member sees them, a
simulated community and the accelerated clock it can play on.

May import: ``emulator.rules``, ``emulator.engine`` and ``emulator.simulator``.
"""
