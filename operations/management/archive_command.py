"""What the archive commands share: the target argument and how a missing archive or an S3 error reads."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ingestion.services import S3Error, resolve_archive_target


class ArchiveCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("target", help="campaign id, or a local archive folder")

    def on_archive(self, target: str, action):
        """(archive, action(archive)), with a missing archive or an S3 failure as a CommandError."""
        try:
            archive = resolve_archive_target(target)
            if archive is None:
                raise CommandError(f"No archive for {target!r}.")
            return archive, action(archive)
        except S3Error as exc:
            raise CommandError(f"{exc} ({'permanent' if exc.permanent else 'temporary, try again'})") from exc
