"""``siapmas-sync doctor``: every check it runs, and the set-up warnings a cycle repeats."""
