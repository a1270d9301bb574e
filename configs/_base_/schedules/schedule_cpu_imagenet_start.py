# The ShapeScenes schedule of the recipes that start from ImageNet weights:
# a quarter of the from-scratch one (schedule_cpu_2k.py), same warm-up and poly
# decay. Used as a second base, through variables (bases may not repeat a
# key): param_scheduler = {{_base_.imagenet_start_param_scheduler}},
# train_cfg = {{_base_.imagenet_start_train_cfg}}.
imagenet_start_iters = 500
imagenet_start_param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=50,
         end=imagenet_start_iters, by_epoch=False)
]
imagenet_start_train_cfg = dict(max_iters=imagenet_start_iters,
                                val_interval=imagenet_start_iters)
