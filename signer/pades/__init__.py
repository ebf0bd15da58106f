"""The electronic seal as a PAdES B-LTA signature: CMS, byte ranges, PDF objects, revisions, time
stamps, and pyHanko's general flow as the reference."""
