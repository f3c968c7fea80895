"""A completed campaign's raw events: archive files, S3, retention and purge."""
