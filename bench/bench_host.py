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


_AUTOGROUP = "/proc/self/autogroup"
_autogroup_before = None


def raise_priority(nice):
    """Sets this process' niceness (inherited by everything it starts); False
    when not allowed. Where the kernel schedules by session (autogroup, the
    default on desktop kernels), niceness only orders processes within one
    session and every other session still gets an equal share of the CPUs: the
    session's own niceness is raised too, until restore_priority()."""
    global _autogroup_before
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:
        return False
    try:
        with open(_AUTOGROUP) as fh:
            before = int(fh.read().split()[-1])
        with open(_AUTOGROUP, "w") as fh:
            fh.write(str(nice))
        _autogroup_before = before
    except (OSError, ValueError, IndexError):
        pass
    return True


def restore_priority():
    """The session's niceness as it was before raise_priority()."""
    global _autogroup_before
    if _autogroup_before is None:
        return
    try:
        with open(_AUTOGROUP, "w") as fh:
            fh.write(str(_autogroup_before))
    except OSError:
        pass
    _autogroup_before = None
