"""A consistent copy of the live database, written where the admin CLI asked."""

from __future__ import annotations

import asyncio

from bus.errors import ErrorCode, RequestRefused
from bus.protocol import Backup, BackupReply
from services.telemetry.answers.context import Context
from services.telemetry.backup import BackupError, backup_database
from services.telemetry.checks import check_backup_path


async def answer(context: Context, request: Backup) -> BackupReply:
    """Copy the database to ``request.path``, a new file; the reply gives its size."""
    live = context.db.path
    target = check_backup_path(request.path, live)
    try:
        # Its own thread and connection: the database thread keeps ingesting.
        size = await asyncio.to_thread(backup_database, live, target)
    except BackupError as error:
        raise RequestRefused(ErrorCode.BACKUP_FAILED, str(error)) from None
    return BackupReply(path=str(target), size_bytes=size)
