# Copyright (c) mmcorr contributors. All rights reserved.
"""Co-saliency (CoSOD) scores through PySODMetrics (``py_sod_metrics``).

Nothing is re-implemented here: every per-image number comes from
``py_sod_metrics`` (``Smeasure(alpha=0.5)``, ``Emeasure``,
``FmeasureV2`` with ``FmeasureHandler(beta=0.3)`` and precision / recall
handlers, ``MAE``), each fed one ``(pred, gt)`` pair of uint8 maps. The
dataset score is the mean over images, which is what PySODMetrics'
``get_results()`` computes from its per-image lists (``max``/``mean`` of the
F- and E-measure are taken on the mean curve, as PySODMetrics and
eval-co-sod do). Keeping the per-image results apart (:func:`score_image`,
:func:`aggregate`) lets mmengine gather them across ranks.

Reported keys (:data:`COSOD_KEYS`), fractions in ``[0, 1]``:
``Smeasure`` (alpha 0.5), ``maxEm``, ``meanEm``, ``adpEm``, ``maxFm``,
``meanFm``, ``adpFm`` (beta^2 = 0.3) and ``MAE``.

What PySODMetrics does with a pair (``py_sod_metrics.utils.prepare_data``):
the GT is foreground where ``gt > 128``; the prediction is divided by 255
and min-max normalised per image (MATLAB ``mapminmax``) unless it is
constant. The 256 F/E thresholds are on ``floor(pred_normalised * 255)``:
entry ``i`` of every curve is "pred >= 255 - i" (:data:`THRESHOLDS`).

Resolution policies (``resolution``):

- ``'gt'`` (default, eval-co-sod's protocol and the field's tables): score at
  the GT's own size; a prediction of another size is resized to it with
  ``cv2.resize(..., INTER_LINEAR)`` (as a float map in ``[0, 1]``), then
  turned into uint8 by rounding ``pred * 255``.
- ``'icnet224'`` (ICNet's official evaluator, ``ICNet/evaluator/dataset.py``
  in blanclist/ICNet): both maps are read as 8-bit grey images and resized to
  224 x 224 by torchvision's ``Resize([224, 224])`` on PIL images, i.e.
  PIL's ``Image.resize(..., BILINEAR)`` (antialiased when shrinking), for the
  GT as well as the prediction. The same PIL call is used here. ICNet then
  scores the soft (interpolated) GT with its own S/F/MAE code; PySODMetrics
  binarises the resized GT at 128 instead, so numbers can differ from
  ICNet's by a little at object edges. Use it only to compare with numbers
  produced by ICNet's evaluator.

Numbers can move by about 0.01-0.02 against papers that used other
evaluators (threshold count, min-max normalisation, resolution).
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

#: The reported metrics, in the order they are printed.
COSOD_KEYS = ('Smeasure', 'maxEm', 'meanEm', 'adpEm', 'maxFm', 'meanFm',
              'adpFm', 'MAE')
#: Resolution policies (see the module docstring).
RESOLUTIONS = ('gt', 'icnet224')
#: Side of ICNet's evaluation size.
ICNET_SIZE = 224
#: Threshold (on the 0-255 scale of the normalised prediction) of each entry
#: of the curves, in PySODMetrics' order: 255, 254, ..., 0.
THRESHOLDS = np.arange(255, -1, -1)
#: File extensions read as images by the folder evaluation.
IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp')
PRED_EXTS = ('.png', '.jpg', '.jpeg')

_CURVES = ('precision', 'recall', 'fmeasure', 'emeasure')
_SCALARS = ('Smeasure', 'adpEm', 'adpFm', 'MAE')


class CoSODInputError(ValueError):
    """A map or a folder that cannot be scored (named in the message)."""


# ------------------------------------------------------------ map checking
def _as_numpy(array) -> np.ndarray:
    if hasattr(array, 'detach'):  # torch.Tensor, without importing torch
        array = array.detach().cpu().numpy()
    return np.asarray(array)


def _single_channel(array: np.ndarray, what: str) -> np.ndarray:
    """``(H, W)``, ``(H, W, 1)``, ``(1, H, W)`` or ``(H, W, 3)`` with equal
    channels -> ``(H, W)``; anything else is refused."""
    if array.ndim == 2:
        return array
    if array.ndim == 3:
        channels = array.shape[-1]
        if channels == 1:
            return array[..., 0]
        if channels == 3:
            if not (np.array_equal(array[..., 0], array[..., 1])
                    and np.array_equal(array[..., 0], array[..., 2])):
                raise CoSODInputError(
                    f'{what} has 3 different channels (a colour image); a '
                    'saliency map is grey')
            return array[..., 0]
        if channels == 4:
            raise CoSODInputError(
                f'{what} has 4 channels (RGBA); a saliency map is grey')
        if array.shape[0] == 1:
            return array[0]
    raise CoSODInputError(f'{what} must be a grey map (H, W), got shape '
                          f'{array.shape}')


def check_pred(pred, what: str = 'pred') -> np.ndarray:
    """A prediction as a float64 ``(H, W)`` map in ``[0, 1]``.

    Accepts float maps in ``[0, 1]``, uint8 maps (0-255) and bool masks,
    as ``(H, W)``, ``(1, H, W)``, ``(H, W, 1)`` or 3 equal channels.
    """
    pred = _single_channel(_as_numpy(pred), what)
    if pred.size == 0:
        raise CoSODInputError(f'{what} is empty (shape {pred.shape})')
    if pred.dtype == np.uint8:
        return pred.astype(np.float64) / 255
    if pred.dtype == np.bool_:
        return pred.astype(np.float64)
    if not np.issubdtype(pred.dtype, np.floating):
        raise CoSODInputError(
            f'{what} must be float in [0, 1] or uint8 0-255, got '
            f'{pred.dtype}')
    pred = pred.astype(np.float64)
    if not np.isfinite(pred).all():
        raise CoSODInputError(f'{what} has non-finite values (nan / inf)')
    low, high = float(pred.min()), float(pred.max())
    if low < 0 or high > 1:
        raise CoSODInputError(f'{what} (float) must lie in [0, 1], got '
                              f'[{low:g}, {high:g}]')
    return pred


def check_gt(gt, what: str = 'gt') -> np.ndarray:
    """A ground truth as a uint8 ``(H, W)`` map (0-255; foreground > 128).

    Accepts uint8 0-255 maps and bool masks. A uint8 map holding only 0 and
    1 is refused: PySODMetrics would read it as all background.
    """
    gt = _as_numpy(gt)
    if gt.ndim != 2:
        raise CoSODInputError(f'{what} must be 2-D (H, W), got shape '
                              f'{gt.shape}')
    if gt.size == 0:
        raise CoSODInputError(f'{what} is empty (shape {gt.shape})')
    if gt.dtype == np.bool_:
        return gt.astype(np.uint8) * 255
    if gt.dtype != np.uint8:
        raise CoSODInputError(f'{what} must be uint8 0-255 or bool, got '
                              f'{gt.dtype}')
    if gt.max() == 1:
        raise CoSODInputError(
            f'{what} holds only 0 and 1; pass a bool mask or a 0-255 map '
            '(PySODMetrics reads foreground as > 128)')
    return gt


def to_uint8(pred: np.ndarray) -> np.ndarray:
    """Float ``[0, 1]`` -> uint8 by rounding ``pred * 255``."""
    return np.round(np.clip(pred, 0, 1) * 255).astype(np.uint8)


def _pil_resize(array: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image
    image = Image.fromarray(array)
    return np.asarray(image.resize((size, size), Image.BILINEAR))


def prepare_pair(pred, gt, resolution: str = 'gt'
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """The uint8 ``(pred, gt)`` pair PySODMetrics scores (module docstring).
    """
    if resolution not in RESOLUTIONS:
        raise ValueError(f'resolution must be one of {RESOLUTIONS}, got '
                         f'{resolution!r}')
    pred, gt = check_pred(pred), check_gt(gt)
    if resolution == 'icnet224':
        return (_pil_resize(to_uint8(pred), ICNET_SIZE),
                _pil_resize(gt, ICNET_SIZE))
    if pred.shape != gt.shape:
        pred = cv2.resize(pred.astype(np.float32), (gt.shape[1], gt.shape[0]),
                          interpolation=cv2.INTER_LINEAR)
    return to_uint8(pred), gt


# ---------------------------------------------------------------- scoring
def score_image(pred_u8: np.ndarray, gt_u8: np.ndarray) -> dict:
    """PySODMetrics' results for ONE uint8 pair of equal size.

    Returns the per-image record :func:`aggregate` averages: the scalars
    ``Smeasure``, ``adpEm``, ``adpFm``, ``MAE`` and the 256-entry curves
    ``precision``, ``recall``, ``fmeasure``, ``emeasure`` (float64, about
    8 KB per image).
    """
    import py_sod_metrics as psm
    if pred_u8.dtype != np.uint8 or gt_u8.dtype != np.uint8:
        raise TypeError('score_image takes uint8 maps (see prepare_pair)')
    sm, em, mae = psm.Smeasure(alpha=0.5), psm.Emeasure(), psm.MAE()
    fm = psm.FmeasureV2(metric_handlers=dict(
        fm=psm.FmeasureHandler(with_dynamic=True, with_adaptive=True,
                               beta=0.3),
        p=psm.PrecisionHandler(with_dynamic=True, with_adaptive=False),
        r=psm.RecallHandler(with_dynamic=True, with_adaptive=False)))
    for metric in (sm, em, fm, mae):
        metric.step(pred_u8, gt_u8)
    em_res, fm_res = em.get_results()['em'], fm.get_results()
    return dict(
        Smeasure=float(sm.get_results()['sm']),
        adpEm=float(em_res['adp']),
        adpFm=float(fm_res['fm']['adaptive']),
        MAE=float(mae.get_results()['mae']),
        precision=np.asarray(fm_res['p']['dynamic'], np.float64),
        recall=np.asarray(fm_res['r']['dynamic'], np.float64),
        fmeasure=np.asarray(fm_res['fm']['dynamic'], np.float64),
        emeasure=np.asarray(em_res['curve'], np.float64))


def aggregate(records: Sequence[dict]) -> Tuple[Dict[str, float],
                                                 Dict[str, np.ndarray]]:
    """Dataset scores and mean curves from per-image records.

    Returns ``(results, curves)``: ``results`` has exactly
    :data:`COSOD_KEYS` (python floats); ``curves`` has ``precision``,
    ``recall``, ``fmeasure``, ``emeasure`` (mean over images, 256 entries in
    PySODMetrics' order) and ``thresholds`` (:data:`THRESHOLDS`).
    """
    if not records:
        raise CoSODInputError('no image was scored: nothing to average')
    curves = {name: np.mean(np.array([r[name] for r in records],
                                     np.float64), axis=0)
              for name in _CURVES}
    scalars = {name: float(np.mean(np.array([r[name] for r in records],
                                            np.float64)))
               for name in _SCALARS}
    results = dict(
        Smeasure=scalars['Smeasure'],
        maxEm=float(curves['emeasure'].max()),
        meanEm=float(curves['emeasure'].mean()),
        adpEm=scalars['adpEm'],
        maxFm=float(curves['fmeasure'].max()),
        meanFm=float(curves['fmeasure'].mean()),
        adpFm=scalars['adpFm'],
        MAE=scalars['MAE'])
    curves['thresholds'] = THRESHOLDS.copy()
    return results, curves


class CoSODScorer:
    """Accumulate CoSOD scores image by image.

    Args:
        resolution (str): ``'gt'`` (score at the GT's size, the prediction
            resized bilinearly when it differs) or ``'icnet224'`` (both
            resized to 224 x 224 as ICNet's evaluator does). See the module
            docstring.

    Example:
        >>> scorer = CoSODScorer()
        >>> scorer.add(pred, gt)  # pred float [0, 1] / uint8, gt uint8/bool
        >>> scorer.results()['maxFm']
    """

    def __init__(self, resolution: str = 'gt'):
        if resolution not in RESOLUTIONS:
            raise ValueError(f'resolution must be one of {RESOLUTIONS}, got '
                             f'{resolution!r}')
        self.resolution = resolution
        self.records: List[dict] = []

    def __len__(self) -> int:
        return len(self.records)

    def add(self, pred, gt) -> dict:
        """Score one image; returns its record (see :func:`score_image`).

        Args:
            pred: float map in ``[0, 1]`` or uint8 0-255, any size.
            gt: uint8 0-255 (foreground > 128) or bool, ``(H, W)``.
        """
        record = score_image(*prepare_pair(pred, gt, self.resolution))
        self.records.append(record)
        return record

    def results(self) -> Dict[str, float]:
        """Exactly :data:`COSOD_KEYS`, means over every added image."""
        return aggregate(self.records)[0]

    def curves(self) -> Dict[str, np.ndarray]:
        """Mean ``precision``, ``recall``, ``fmeasure`` and ``emeasure``
        curves (256 thresholds) and their ``thresholds``."""
        return aggregate(self.records)[1]


def format_table(results: Dict[str, float]) -> str:
    """The scores as a two-line text table (3 decimals)."""
    head = ' '.join(f'{k:>8}' for k in COSOD_KEYS)
    row = ' '.join(f'{results[k]:8.3f}' for k in COSOD_KEYS)
    return head + '\n' + row


# ------------------------------------------------------------ folder input
def read_grey(path: str) -> np.ndarray:
    """An 8-bit grey image file as uint8 ``(H, W)``, via cv2.

    Raises:
        CoSODInputError: the file is missing or undecodable, not 8-bit, or
            not grey (3 different channels, 4 channels); names the file.
    """
    try:
        buffer = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise CoSODInputError(f'cannot read {path}: {error}') from None
    image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED) if buffer.size else None
    if image is None:
        raise CoSODInputError(f'cannot decode {path} (corrupt or not an '
                              'image)')
    if image.dtype != np.uint8:
        raise CoSODInputError(f'{path} is {image.dtype}; expected an 8-bit '
                              'grey image')
    return _single_channel(image, path)


def _list_images(folder: str, exts: Sequence[str]) -> Dict[str, str]:
    """``{stem: file name}`` of the image files of ``folder``."""
    found: Dict[str, str] = {}
    for name in sorted(os.listdir(folder)):
        stem, ext = osp.splitext(name)
        if name.startswith('.') or ext.lower() not in exts:
            continue
        if not osp.isfile(osp.join(folder, name)):
            continue
        if stem in found:
            raise CoSODInputError(
                f'two files with stem {stem!r} in {folder}: '
                f'{found[stem]} and {name}')
        found[stem] = name
    return found


def _groups(root: str, what: str) -> List[str]:
    if not osp.isdir(root):
        raise CoSODInputError(f'{what} root {root} is not a directory')
    stray = [n for n in sorted(os.listdir(root))
             if osp.isfile(osp.join(root, n))
             and osp.splitext(n)[1].lower() in IMAGE_EXTS]
    if stray:
        raise CoSODInputError(
            f'{what} root {root} has images outside group folders '
            f'({", ".join(stray[:3])}); expected <group>/<image>')
    return [n for n in sorted(os.listdir(root))
            if not n.startswith('.') and osp.isdir(osp.join(root, n))]


def _some(items: Sequence[str], count: int = 5) -> str:
    more = f' and {len(items) - count} more' if len(items) > count else ''
    return ', '.join(items[:count]) + more


def match_cosod_folders(gt_root: str, pred_root: str
                        ) -> List[Tuple[str, str, str, str]]:
    """Pair ``<pred_root>/<group>/<stem>.png|.jpg`` with
    ``<gt_root>/<group>/<stem>.<png|jpg|bmp>``.

    Returns ``[(group, stem, gt_path, pred_path)]`` sorted by group, stem.

    Raises:
        CoSODInputError: a root is not a directory; the GT root has no group
            or an empty group; a GT has no prediction or a prediction no GT
            (the first few are listed); two files of a folder share a stem.
    """
    gt_groups = _groups(gt_root, 'GT')
    pred_groups = _groups(pred_root, 'prediction')
    if not gt_groups:
        raise CoSODInputError(f'GT root {gt_root} has no group folder')
    extra_groups = sorted(set(pred_groups) - set(gt_groups))
    pairs, missing, extra = [], [], []
    for group in gt_groups:
        gts = _list_images(osp.join(gt_root, group), IMAGE_EXTS)
        if not gts:
            raise CoSODInputError(
                f'GT group {osp.join(gt_root, group)} has no image')
        pred_dir = osp.join(pred_root, group)
        preds = (_list_images(pred_dir, PRED_EXTS)
                 if osp.isdir(pred_dir) else {})
        missing += [f'{group}/{s}' for s in gts if s not in preds]
        extra += [f'{group}/{preds[s]}' for s in preds if s not in gts]
        pairs += [(group, s, osp.join(gt_root, group, gts[s]),
                   osp.join(pred_dir, preds[s])) for s in gts if s in preds]
    for group in extra_groups:
        names = _list_images(osp.join(pred_root, group), PRED_EXTS).values()
        extra += [f'{group}/{n}' for n in names] or [f'{group}/']
    if missing:
        raise CoSODInputError(
            f'{len(missing)} GT image(s) have no prediction in {pred_root}: '
            f'{_some(missing)}')
    if extra:
        raise CoSODInputError(
            f'{len(extra)} prediction(s) in {pred_root} have no GT in '
            f'{gt_root}: {_some(extra)}')
    return pairs


def evaluate_cosod_folders(gt_root: str, pred_root: str,
                           resolution: str = 'gt', resize_pred: bool = False
                           ) -> Tuple[CoSODScorer, dict]:
    """Score a folder of predictions against a folder of GT maps.

    Both roots hold ``<group>/<image>``; see :func:`match_cosod_folders`.
    With ``resolution='gt'`` a prediction of another size than its GT is an
    error unless ``resize_pred`` (then it is resized bilinearly, as
    eval-co-sod does); ``'icnet224'`` resizes both maps anyway.

    Returns:
        ``(scorer, meta)``: the filled :class:`CoSODScorer` and
        ``dict(num_images, num_groups, resolution)``.
    """
    scorer = CoSODScorer(resolution)
    pairs = match_cosod_folders(gt_root, pred_root)
    for _, _, gt_path, pred_path in pairs:
        gt, pred = read_grey(gt_path), read_grey(pred_path)
        if (resolution == 'gt' and not resize_pred
                and pred.shape != gt.shape):
            raise CoSODInputError(
                f'{pred_path} is {pred.shape[1]}x{pred.shape[0]} but its GT '
                f'{gt_path} is {gt.shape[1]}x{gt.shape[0]} (pass '
                '--resize-pred / resize_pred=True to resize predictions)')
        try:
            scorer.add(pred, gt)
        except CoSODInputError as error:
            raise CoSODInputError(
                f'{pred_path} / {gt_path}: {error}') from None
    meta = dict(num_images=len(pairs),
                num_groups=len({group for group, *_ in pairs}),
                resolution=resolution)
    return scorer, meta


def plot_cosod_curves(curves: Dict[str, np.ndarray], path: str,
                      title: Optional[str] = None) -> None:
    """Write the PR curve and the F-measure-vs-threshold curve to a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax_pr, ax_f) = plt.subplots(1, 2, figsize=(10, 4.5))
    ax_pr.plot(curves['recall'], curves['precision'])
    ax_pr.set(xlabel='recall', ylabel='precision', xlim=(0, 1),
              ylim=(0, 1.02), title='precision-recall')
    ax_f.plot(curves['thresholds'], curves['fmeasure'], label='F (beta²=0.3)')
    ax_f.plot(curves['thresholds'], curves['emeasure'], label='E-measure')
    ax_f.set(xlabel='threshold (0-255)', ylabel='score', xlim=(0, 255),
             title='F- and E-measure vs threshold')
    ax_f.legend()
    for ax in (ax_pr, ax_f):
        ax.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
