# Copyright (c) mmcorr contributors. All rights reserved.
"""The machinery behind ``make demo`` / ``make benchmark``
(``tools/analysis_tools/run_demo.py``).

What runs lives with each method's configs, in
``configs/<method>/benchmark.yaml`` (:mod:`.entries` reads them); this
package only knows how to train, test, run an entry's extra steps
(:mod:`.extras`) and write the table (:mod:`.summary`).
"""
