# Copyright (c) mmcorr contributors. All rights reserved.
"""Peak resident-memory growth of one call, for the benchmark scripts.

Linux only: ``/proc/self/clear_refs`` resets the peak (VmHWM) to the current
resident set, so the growth of VmHWM over VmRSS during the call is what the
call needed on top of what was already allocated. Run each measurement in a
fresh process (the scripts re-invoke themselves) so that memory freed by
earlier calls and kept by the allocator does not hide the growth.
"""
import json
import subprocess
import sys
from typing import Callable


def _status_kib(key: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    raise KeyError(key)


def peak_growth_mib(fn: Callable[[], object]) -> float:
    """Run ``fn()`` once; peak RSS above the RSS before it, in MiB."""
    before = _status_kib('VmRSS')
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    result = fn()
    peak = _status_kib('VmHWM')
    del result
    return (peak - before) / 1024


def measure_in_subprocess(script: str, spec: dict, *extra_args) -> float:
    """Run ``script --worker JSON(spec) ...``; it prints the MiB last."""
    cmd = [sys.executable, script, '--worker', json.dumps(spec), *extra_args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])
