# Copyright (c) mmcorr contributors. All rights reserved.
"""Berman's Lovász-softmax on float64 probabilities, on both sides alike.

The official AlignSeg ``loss/lovasz_losses.py`` and mmseg's
``mmseg/models/losses/lovasz_loss.py`` (a copy of the same MIT code) both
compute the Jaccard increments ``lovasz_grad(gt_sorted)`` in float32 (the
function casts with ``.float()``) and take ``torch.dot(errors_sorted,
lovasz_grad(...))``, where the errors have the probabilities' dtype. With
float64 probabilities that raises ``RuntimeError: dot : expected both vectors
to have same dtype, but found Double and Float`` in both codes.

:func:`float64_lovasz_grad` swaps a module's ``lovasz_grad`` for a wrapper
that calls the module's own function and casts its float32 result to
float64. Nothing else changes: both sides keep the same float32 increments
(bit for bit, they are computed from the same 0/1 labels) and everything
else, the errors, their sort and the dot product, runs in float64. The
training-step generator (``tools/misc/train_step_fixtures/alignseg.py``)
wraps the official module, the test (``test_alignseg_train_step.py``)
wraps mmseg's, with this one function.
"""
import contextlib

import torch


@contextlib.contextmanager
def float64_lovasz_grad(module):
    """Within the context, ``module.lovasz_grad`` returns float64.

    Args:
        module: a module object with a global ``lovasz_grad(gt_sorted)``
            that its ``lovasz_softmax_flat`` looks up at call time.
    """
    original = module.lovasz_grad

    def lovasz_grad(gt_sorted):
        return original(gt_sorted).to(torch.float64)

    module.lovasz_grad = lovasz_grad
    try:
        yield
    finally:
        module.lovasz_grad = original
