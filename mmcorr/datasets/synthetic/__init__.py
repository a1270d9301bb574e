# Copyright (c) mmcorr contributors. All rights reserved.
"""Procedural data generators: datasets that need no download."""
from .photo_groups_generator import generate_photo_groups
from .photo_objects_generator import generate_photo_objects
from .photo_videos_generator import generate_photo_videos
from .shape_scenes_generator import CLASSES as SHAPE_SCENES_CLASSES
from .shape_scenes_generator import PALETTE as SHAPE_SCENES_PALETTE
from .shape_scenes_generator import generate_shape_scenes, render_scene
from .toy_instances_generator import (TOY_STYLES, generate_toy_instances,
                            render_toy_image)

__all__ = [
    'generate_photo_groups', 'generate_photo_objects', 'generate_photo_videos',
    'SHAPE_SCENES_CLASSES', 'SHAPE_SCENES_PALETTE',
    'generate_shape_scenes', 'render_scene', 'TOY_STYLES',
    'generate_toy_instances', 'render_toy_image'
]
