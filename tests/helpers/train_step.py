# Copyright (c) mmcorr contributors. All rights reserved.
"""Training-step fixtures: one official step's losses and gradients, small.

A full gradient of a ResNet is tens of MB, so a fixture stores a *digest*
of every parameter's gradient instead, which any real difference moves:

- ``grad/<name>/norm``: the L2 norm of the gradient;
- ``grad/<name>/absmax``: its largest magnitude (the comparison's scale);
- ``grad/<name>/proj``: its dot product with a seeded +-1 vector (seed =
  crc32 of ``'proj/' + name``) divided by sqrt(numel): a sum over every
  element, so one element off by ``d`` moves it by ``d / sqrt(numel)``;
- ``grad/<name>/sample``: the values at up to :data:`SAMPLES` seeded flat
  indices (all of them for a small parameter), and
  ``grad/<name>/index`` those indices.

``loss/<term>`` arrays hold the loss terms (scalars), and any other array
(``param/<name>/...`` after an optimiser step, intermediate tensors) is
stored as it is. Names are the official parameter names; a test maps its
gradients to them through the method's converter (which renames and
reshapes, so it maps gradients as it maps weights) or an explicit table.

    python: digest = gradient_digest({name: grad})
            report = compare_digests(expected, digest, rtol)

The generator scripts in ``tools/misc/train_step_fixtures/`` import this
module from the repository, so the official and the mmcorr side are
digested by the same code.
"""
import json
import math
import os.path as osp
import zlib
from typing import Dict, Iterable, Optional

import numpy as np
import torch

#: Elements of a gradient stored verbatim (all of them when it has fewer).
SAMPLES = 64
#: Where the fixtures live.
DATA_DIR = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')


def _generator(key: str) -> torch.Generator:
    return torch.Generator().manual_seed(zlib.crc32(key.encode('utf-8')))


def sample_index(name: str, numel: int) -> np.ndarray:
    """The seeded flat indices stored for parameter ``name`` (sorted)."""
    if numel <= SAMPLES:
        return np.arange(numel)
    index = torch.randperm(numel, generator=_generator('sample/' + name))
    return np.sort(index[:SAMPLES].numpy())


def projection_signs(name: str, numel: int) -> torch.Tensor:
    """The seeded +-1 vector (float64, ``[numel]``) of ``grad/name/proj``."""
    bits = torch.randint(0, 2, (numel, ), generator=_generator('proj/' + name))
    return bits.to(torch.float64) * 2 - 1


def gradient_digest(grads: Dict[str, torch.Tensor],
                    prefix: str = 'grad') -> Dict[str, np.ndarray]:
    """``{name: gradient}`` -> the digest arrays described in the module
    docstring (float64). A ``None`` gradient is an error: a parameter that
    takes no gradient must be left out explicitly by the caller."""
    out = {}
    for name, grad in grads.items():
        if grad is None:
            raise ValueError(f'parameter {name!r} has no gradient')
        flat = grad.detach().reshape(-1).to(torch.float64).cpu()
        index = sample_index(name, flat.numel())
        key = f'{prefix}/{name}'
        out[key + '/norm'] = np.array(flat.norm().item())
        out[key + '/absmax'] = np.array(flat.abs().max().item())
        out[key + '/proj'] = np.array(
            (flat @ projection_signs(name, flat.numel())).item() /
            math.sqrt(flat.numel()))
        out[key + '/index'] = index
        out[key + '/sample'] = flat[torch.from_numpy(index)].numpy()
    return out


def digest_names(arrays, prefix: str = 'grad') -> set:
    """The parameter names whose digest ``arrays`` holds."""
    head = prefix + '/'
    return {
        key[len(head):-len('/norm')]
        for key in arrays if key.startswith(head) and key.endswith('/norm')
    }


def compare_digests(expected, actual, rtol: float,
                    prefix: str = 'grad') -> Dict[str, float]:
    """The largest relative difference of every parameter's digest.

    Each stored number of ``actual`` is compared with ``expected``'s,
    relative to the official gradient's largest magnitude (its ``absmax``;
    for ``norm`` and ``proj``, relative to ``norm`` and ``norm /
    sqrt(numel)`` scaled the same way). Returns ``{name: difference}``;
    raises ``AssertionError`` naming every parameter above ``rtol`` and
    every name present on one side only.
    """
    names_e, names_a = digest_names(expected, prefix), digest_names(
        actual, prefix)
    missing, extra = sorted(names_e - names_a), sorted(names_a - names_e)
    if missing or extra:
        raise AssertionError(f'gradients missing: {missing}; '
                             f'not in the fixture: {extra}')
    report, bad = {}, []
    for name in sorted(names_e):
        key = f'{prefix}/{name}'
        if not np.array_equal(expected[key + '/index'],
                              actual[key + '/index']):
            raise AssertionError(f'{name}: sampled indices differ (shape?)')
        scale = max(float(expected[key + '/absmax']), 1e-30)
        norm = max(float(expected[key + '/norm']), 1e-30)
        diff = max(
            float(np.abs(expected[key + '/sample'] -
                         actual[key + '/sample']).max()) / scale,
            abs(float(expected[key + '/absmax']) -
                float(actual[key + '/absmax'])) / scale,
            abs(float(expected[key + '/norm']) -
                float(actual[key + '/norm'])) / norm,
            abs(float(expected[key + '/proj']) -
                float(actual[key + '/proj'])) / norm,
        )
        report[name] = diff
        if not diff <= rtol:
            bad.append(f'{name}: {diff:.3g}')
    if bad:
        raise AssertionError(f'{len(bad)} gradients differ by more than '
                             f'{rtol:g} (relative): ' + ', '.join(bad[:20]))
    return report


def relative_difference(expected, actual) -> float:
    """max |a - e| / max(|e|, tiny), for loss terms and stored tensors."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    if expected.shape != actual.shape:
        raise AssertionError(f'shape {actual.shape} != {expected.shape}')
    scale = max(float(np.abs(expected).max()) if expected.size else 0, 1e-30)
    return float(np.abs(actual - expected).max()) / scale if expected.size \
        else 0.0


def save_fixture(name: str, meta: dict, arrays: Dict[str, np.ndarray],
                 out_dir: Optional[str] = None) -> str:
    """Write ``<name>_train_step.json`` (``meta``) and ``.npz``
    (``arrays``, compressed) to ``out_dir`` (``tests/data``)."""
    out_dir = out_dir or DATA_DIR
    stem = osp.join(out_dir, f'{name}_train_step')
    with open(stem + '.json', 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write('\n')
    np.savez_compressed(stem + '.npz', **arrays)
    return stem


def load_fixture(name: str, data_dir: Optional[str] = None):
    """``(meta, arrays)`` of ``<name>_train_step.{json,npz}``."""
    stem = osp.join(data_dir or DATA_DIR, f'{name}_train_step')
    with open(stem + '.json') as f:
        meta = json.load(f)
    with np.load(stem + '.npz') as npz:
        arrays = {key: npz[key] for key in npz.files}
    return meta, arrays


def named_gradients(module: torch.nn.Module,
                    skip: Iterable[str] = ()) -> Dict[str, torch.Tensor]:
    """``{name: grad}`` of every trainable parameter of ``module`` except
    the names in ``skip``; a trainable parameter without a gradient is an
    error (it would silently pass a comparison)."""
    skip = set(skip)
    out = {}
    for name, param in module.named_parameters():
        if not param.requires_grad or name in skip:
            continue
        if param.grad is None:
            raise ValueError(f'trainable parameter {name!r} got no gradient')
        out[name] = param.grad
    return out
