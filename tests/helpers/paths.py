# Copyright (c) mmcorr contributors. All rights reserved.
"""Where things are, for tests at any depth below ``tests/``."""
import os.path as osp

#: The repository root (``tests/helpers/paths.py`` -> three levels up).
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The parity fixtures (``tests/data/parity``).
PARITY_DIR = osp.join(REPO, 'tests', 'data', 'parity')
