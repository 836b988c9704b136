"""What both benchmark runners need from the machine they run on: its CPU model
for the results header, and a raised priority so that other work on a shared
machine disturbs the timing figures less (CPU time is measured either way)."""

import os
import platform


def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def raise_priority(nice):
    """Sets this process' niceness (inherited by everything it starts); False
    when not allowed."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
        return True
    except OSError:
        return False
