"""Issuing: the issuer and its batches, the worker processes, the one writer, new editions and what
a reissue carries over."""
