# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr's registries: children of mmengine's root registries, scope ``mmcorr``.

Lookup order for a plain name (``type='FPNHead'``) built while ``mmcorr`` is the
default scope: the mmcorr registry, then the registry of the same kind in the
*fallback scopes* (``mmseg``), then mmengine's root. So mmcorr configs name
mmseg's backbones, heads, transforms and metrics directly, and mmseg configs
reach mmcorr modules with the prefix ``type='mmcorr.X'`` (after
``custom_imports=dict(imports=['mmcorr.models'])`` or automatically, since
mmengine imports ``mmcorr.registry`` for a scoped key).

A name found nowhere raises a ``KeyError`` naming the registry, the scope, close
matches, and the fix, instead of mmengine's generic message.

Because mmcorr is searched first, a module registered in mmcorr under a name
that mmseg or mmengine's root already uses would silently replace that class
in every mmcorr-scoped config; registering one raises
:class:`RegistryNameClashError` instead (see
:meth:`MMCorrRegistry.register_module`).
"""
import difflib
from importlib import import_module
from typing import Any, List, Optional, Sequence, Tuple, Type, Union

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

#: scopes whose registries are searched for plain names not found in mmcorr.
FALLBACK_SCOPES = ('mmseg', )


class RegistryNameClashError(KeyError):
    """Registering a name in mmcorr that would shadow mmseg's or the root's."""

    def __str__(self) -> str:
        # KeyError's str() is the repr of its argument; keep the message plain
        return str(self.args[0]) if self.args else ''


class MMCorrRegistry(Registry):
    """A :class:`mmengine.registry.Registry` with mmseg fallback and clear errors.

    Args:
        name (str): Registry name, e.g. ``'model'``.
        parent (Registry): The mmengine root registry of the same kind.
        locations (list[str]): Modules imported on first lookup so that their
            ``register_module`` decorators run.
        fallback_scopes (Sequence[str]): Sibling scopes searched, in order, for
            plain names that neither this registry nor its parents hold.
    """

    def __init__(self,
                 name: str,
                 parent: Registry,
                 locations: Sequence[str] = (),
                 fallback_scopes: Sequence[str] = FALLBACK_SCOPES):
        super().__init__(
            name, parent=parent, scope='mmcorr', locations=list(locations))
        self.fallback_scopes = tuple(fallback_scopes)

    def get(self, key: str) -> Type:
        """Return the class registered as ``key``.

        A plain name is searched in mmcorr, then in the fallback scopes (each
        with its own parents), then in mmengine's root: mmseg's classes shadow
        mmcv's classes of the same name in the root (``LoadAnnotations``), as
        they do when mmseg is the default scope.

        Raises:
            KeyError: if ``key`` is registered nowhere reachable; the message
                names this registry, its scope, close matches and the fix.
        """
        scope, real_key = self.split_scope_key(key)
        obj = None
        if scope is None:
            self.import_from_location()
            obj = self._module_dict.get(real_key)
            if obj is None:
                obj = self._get_from_fallback(real_key)
        if obj is None:
            obj = super().get(key)
        if obj is None:
            raise KeyError(self._not_found_message(key))
        return obj

    def register_module(self,
                        name: Optional[Union[str, List[str]]] = None,
                        force: bool = False,
                        module: Optional[Type] = None,
                        shadow: bool = False) -> Any:
        """Register a module, as a decorator or with ``module=``.

        As :meth:`mmengine.registry.Registry.register_module`, but a name
        that the fallback scopes' registry of this kind (mmseg's, whose
        modules are imported first) or mmengine's root registries (mmcv's
        transforms and layers, mmengine's hooks...) already hold raises a
        :class:`RegistryNameClashError`: mmcorr is searched first, so the new
        class would silently replace theirs in every mmcorr-scoped config.
        The root counts too: it is as silent, and a descriptive name costs
        nothing. Root registries only hold what has been imported so far
        (mmseg's imports bring in mmcv's transforms and layers). Registering
        the very class the other registry holds is allowed.

        Args:
            name (str | list[str], optional): Name(s); the class name if
                ``None``.
            force (bool): Replace an entry of *this* registry (mmengine's
                meaning); it does not allow shadowing.
            module (type, optional): Register this instead of decorating.
            shadow (bool): Shadow another registry's class on purpose (e.g.
                to patch it for mmcorr configs only). Prefer a new name.

        Raises:
            RegistryNameClashError: A ``KeyError`` naming this registry, the
                name, the shadowed class and a descriptive alternative.
        """
        if not isinstance(shadow, bool):
            raise TypeError(f'shadow must be a bool, got {shadow!r}')
        super().register_module(name, force)  # checks name and force only

        def register(cls):
            self._register_module(cls, name, force, shadow)
            return cls

        return register if module is None else register(module)

    def _register_module(self,
                         module: Type,
                         module_name: Optional[Union[str, List[str]]] = None,
                         force: bool = False,
                         shadow: bool = False) -> None:
        """mmengine's registration, behind the clash guard unless ``shadow``."""
        if callable(module) and not shadow:
            names = module.__name__ if module_name is None else module_name
            for name in [names] if isinstance(names, str) else names:
                self._refuse_shadowing(name, module)
        super()._register_module(module, module_name, force)

    def _shadowed(self, name: str) -> Optional[Tuple[Registry, Any]]:
        """The registry and object that ``name`` resolves to after mmcorr."""
        for sibling in self._fallback_registries():
            sibling.import_from_location()
            if name in sibling._module_dict:
                return sibling, sibling._module_dict[name]
        registry = self.parent
        while registry is not None:
            if name in registry._module_dict:
                return registry, registry._module_dict[name]
            registry = registry.parent
        return None

    def _refuse_shadowing(self, name: str, module: Any) -> None:
        """Raise if ``name`` resolves, after mmcorr, to another object."""
        shadowed = self._shadowed(name)
        if shadowed is not None and shadowed[1] is not module:
            raise RegistryNameClashError(
                self._clash_message(name, *shadowed))

    def _clash_message(self, name: str, owner: Registry, existing: Any) -> str:
        where = f'{getattr(existing, "__module__", "?")}.' \
            f'{getattr(existing, "__qualname__", existing)}'
        return (
            f'Cannot register {name!r} in the {self.scope}::{self.name} '
            f'registry: {owner.scope}::{owner.name} already has {name!r} '
            f'({where}), and since {self.scope} is searched first the new '
            f'class would silently replace it in every config with '
            f'default_scope={self.scope!r}. Give it a descriptive name '
            f"instead, '{name}<Variant>' (e.g. 'ICNetCoSaliency' rather than "
            f"'ICNet'), as the class name or register_module(name=...). To "
            f'replace {where} on purpose pass register_module(..., '
            f'shadow=True); force=True does not.')

    def _fallback_registries(self):
        for scope in self.fallback_scopes:
            try:
                import_module(f'{scope}.registry')
            except ImportError:
                continue
            sibling = self.parent._children.get(scope)
            if sibling is not None:
                yield sibling

    def _get_from_fallback(self, key: str) -> Optional[Type]:
        for sibling in self._fallback_registries():
            obj = sibling.get(key)
            if obj is not None:
                return obj
        return None

    def _known_names(self):
        names = set(self._module_dict)
        parent = self.parent
        while parent is not None:
            names.update(parent._module_dict)
            parent = parent.parent
        for sibling in self._fallback_registries():
            sibling.import_from_location()
            names.update(sibling._module_dict)
        return sorted(names)

    def _not_found_message(self, key: str) -> str:
        _, real_key = self.split_scope_key(key)
        close = difflib.get_close_matches(real_key, self._known_names(), n=3)
        hint = f' Did you mean {", ".join(map(repr, close))}?' if close else ''
        searched = ', '.join((self.scope, ) + self.fallback_scopes +
                             ('mmengine', ))
        return (
            f'{key!r} is not in the {self.scope}::{self.name} registry '
            f'(searched scopes: {searched}).{hint} Fix: check the spelling of '
            f'`type`; if the class lives in a package that is not imported '
            f'yet, import it with `custom_imports=dict(imports=['
            f'\'<package>.models\'])` in the config, or prefix the type with '
            f'its scope (e.g. \'mmseg.FPNHead\', \'mmcorr.<Name>\').')


# Packages are listed as `locations` once they register something; until then
# their kinds resolve through mmengine and the fallback scopes.
RUNNERS = MMCorrRegistry('runner', MMENGINE_RUNNERS)
RUNNER_CONSTRUCTORS = MMCorrRegistry('runner constructor',
                                     MMENGINE_RUNNER_CONSTRUCTORS)
LOOPS = MMCorrRegistry('loop', MMENGINE_LOOPS)
HOOKS = MMCorrRegistry('hook', MMENGINE_HOOKS, ['mmcorr.engine'])

DATASETS = MMCorrRegistry('dataset', MMENGINE_DATASETS, ['mmcorr.datasets'])
DATA_SAMPLERS = MMCorrRegistry('data sampler', MMENGINE_DATA_SAMPLERS)
TRANSFORMS = MMCorrRegistry('transform', MMENGINE_TRANSFORMS,
                            ['mmcorr.datasets'])

MODELS = MMCorrRegistry('model', MMENGINE_MODELS, ['mmcorr.models'])
MODEL_WRAPPERS = MMCorrRegistry('model_wrapper', MMENGINE_MODEL_WRAPPERS,
                                ['mmcorr.models'])
WEIGHT_INITIALIZERS = MMCorrRegistry('weight initializer',
                                     MMENGINE_WEIGHT_INITIALIZERS,
                                     ['mmcorr.models'])
TASK_UTILS = MMCorrRegistry('task util', MMENGINE_TASK_UTILS,
                            ['mmcorr.models'])

OPTIMIZERS = MMCorrRegistry('optimizer', MMENGINE_OPTIMIZERS)
OPTIM_WRAPPERS = MMCorrRegistry('optim_wrapper', MMENGINE_OPTIM_WRAPPERS,
                                ['mmcorr.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = MMCorrRegistry(
    'optimizer wrapper constructor', MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = MMCorrRegistry('parameter scheduler',
                                  MMENGINE_PARAM_SCHEDULERS)

METRICS = MMCorrRegistry('metric', MMENGINE_METRICS, ['mmcorr.evaluation'])
EVALUATOR = MMCorrRegistry('evaluator', MMENGINE_EVALUATOR,
                           ['mmcorr.evaluation'])

VISUALIZERS = MMCorrRegistry('visualizer', MMENGINE_VISUALIZERS,
                             ['mmcorr.visualization'])
VISBACKENDS = MMCorrRegistry('vis_backend', MMENGINE_VISBACKENDS)
LOG_PROCESSORS = MMCorrRegistry('log_processor', MMENGINE_LOG_PROCESSORS)
INFERENCERS = MMCorrRegistry('inferencer', MMENGINE_INFERENCERS,
                             ['mmcorr.apis'])
FUNCTIONS = MMCorrRegistry('function', MMENGINE_FUNCTIONS)
