"""Discord's rules and records: what Discord keeps, accepts, refuses and renders.

The records an emulated Discord knows (``state``) and their JSON (``payloads``), its errors,
limits, permissions, intents, rate limits, snowflakes and clock, and what Discord accepts in
message bodies, components, embeds, emoji, mentions, replies, DMs, application commands and
their options, scheduled events and voice channel statuses; each module cites the documents
its rules come from.

May import: ``emulator.rules`` only (plus the calendar in ``bus.clock``): never
the gateway, REST, voice, the engine or the simulator, which are all built on it.
"""
