"""Issuing: the issuer and its batches, the worker processes, the one writer, who is eligible,
what a run reports, new editions and what a reissue carries over."""
