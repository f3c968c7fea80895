"""What polling costs: the per-call log, spend counters and the campaign's credit budget."""
