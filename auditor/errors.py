class AuditorError(Exception):
    """Bad input or an unusable target: the CLI prints it on one line and exits 2."""
