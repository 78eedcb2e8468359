"""The scheduler's engines: what makes hours act.

An engine wakes on a change (a click, a usual hour saved, a join, an "Interested" on an
hour's event) or on a due time (a reminder's minute, an hour's start or end, the week
post's weekday), looks at the hours of the community's days, and acts on them, each act
sent exactly once (``services.scheduler.once``):

- ``reminders``: a message before each run of a member's hours;
- ``calls``: "enough players" when an hour reaches the quorum, and the hour's Discord
  scheduled event kept in step with it;
- ``interest``: "Interested" on that event counted as in;
- ``nudges``: a DM to a regular who has not answered, naming who has;
- ``squad_status``: the counted voice channel's status naming the hour's squad;
- ``weekpost``: the week ahead, posted once a week and kept up to date.

``choices`` is what members chose for reminders and nudges, read once per guild.

``commands/`` beside it holds what members ask for; an engine is what the scheduler does
by itself. ``service.py`` builds each engine and wakes it.
"""
