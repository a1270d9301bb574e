# Copyright (c) mmcorr contributors. All rights reserved.
"""A pickled object that runs code when unpickled, and a fixture-friendly
switch reset, for the safe-loading tests."""
import os

from mmcorr.checkpoint_io import set_unsafe_checkpoint_loading


class RunsCodeOnLoad:
    """Unpickling this calls ``os.system`` (a classic checkpoint attack):
    it creates the file ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def reset_unsafe_loading():
    """Generator for a pytest fixture: unsafe loading off around a test."""
    set_unsafe_checkpoint_loading(False)
    yield
    set_unsafe_checkpoint_loading(False)
