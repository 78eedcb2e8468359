"""Voice analytics and graphs of the telemetry service: pure functions over plain sessions.

``sessions`` holds the input types; ``presence`` decides what counts; ``shared``,
``voice_time``, ``inactivity``, ``calendar`` and ``timeline`` compute the metrics; ``report``
turns them into chart data; ``render`` draws PNGs; ``worker`` draws them off the event loop;
``export`` writes every graph to a folder; ``options`` validates ``/stats``.
"""
