"""Polling the X data API: fan-out, poll cycles, leases, cadence, the list and metrics jobs."""
