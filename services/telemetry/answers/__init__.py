"""Telemetry's answers to its requests, one module per owner of the work.

``services.telemetry.requests`` routes each request here by the part of the record it
touches; each module checks its requests (``services.telemetry.checks``), calls the store
on the database thread and builds the typed reply.
"""
