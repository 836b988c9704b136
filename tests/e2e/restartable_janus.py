"""Janus that a test can SIGKILL and start again on the same port and config folder, as a
supervisor (systemd's Restart=) brings a crashed Janus back: every session, handle and
room of the old process is gone, the address is the same."""

import os

from janus_harness import JanusProcess


class RestartableJanus(JanusProcess):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._argv = None
        self.starts = 0

    def _command(self):
        # The config (and with it the port) is written once; later starts reuse it.
        if self._argv is None:
            self._argv = super()._command()
        return self._argv

    def start(self, timeout=20.0):
        """Starts Janus (again); the previous run's log is kept as janus.log.<n>. Only the
        first start may move to other ports when its own are taken: later ones keep the
        address the glue was given."""
        if self.starts and os.path.exists(self.log_path):
            os.replace(self.log_path, f"{self.log_path}.{self.starts}")
        super().start(timeout, attempts=1 if self.starts else 3)
        self.starts += 1
        return self

    def kill(self):
        """SIGKILL: a crash, nothing is closed cleanly."""
        if self.alive():
            self.proc.kill()
        self.proc.wait(10)
        if self._log_file:
            self._log_file.close()
            self._log_file = None
