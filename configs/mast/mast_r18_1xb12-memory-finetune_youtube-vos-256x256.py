# MAST stage 2, as the paper describes it and the authors never released
# (zlai0/MAST#6, #24): memory fine-tuning, the full memory-augmented read
# with several reference frames per target (here 4 references: clips of 5
# frames 2, 5 or 8 apart, so with the larger intervals the oldest references
# are more than 15 frames back and take the ROI path), lr 2e-5, starting
# from the stage-1 weights, 1M training images (83334 iterations at 12).
_base_ = ['./mast_r18_1xb12-pairs-20e_youtube-vos-256x256_scaled-affinity.py']
train_dataloader = dict(dataset=dict(clip_length=5))
optim_wrapper = dict(optimizer=dict(lr=2e-5))
param_scheduler = []
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=83334)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=5000))
log_processor = dict(by_epoch=False)
load_from = ('work_dirs/mast_r18_1xb12-pairs-20e_youtube-vos-256x256_'
             'scaled-affinity/epoch_20.pth')
