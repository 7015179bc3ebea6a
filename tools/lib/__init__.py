"""What the tools share: small modules of public, documented functions. A tool imports these,
never another tool; benchmarks may import them too; nothing here imports a tool.

- ``config``: a config as the tools read it (and ``walk``/``walk_dicts`` over it, its
  ``--cfg-options`` as arguments): ``--data-root`` (``set_data_root``), warnings for
  ``--cfg-options`` keys nothing reads, the data folders a run needs (``missing_data``).
- ``data_check``: checking any dataset config (or a COCO json) file by file, images decoded in
  parallel.
- ``models``: the model of a config as the Runner builds it, batches from its train pipeline,
  a detector with its test dataset.
- ``demo_data``: the demo data set (``tools/make_demo_data.py``): ``glyphs`` and ``digits``, its
  two sources, and ``common``, what they share (the photos, writing the splits).
- ``train_step``: one training step of a config in a precision mode, timed (the step benchmark
  and the GPU check).
- ``flops``: model FLOPs of a step, the peaks of common GPUs, MFU.
- ``gpu_check``: the checks of ``tools/gpu_check.py``, row by row; ``gpu_report``: its table
  (rows that pass, fail or skip, written after each).
- ``shrink``: a full-scale config made to run in seconds (shapes, one batch, untrained
  stand-ins for the checkpoints it loads).
- ``cross_correlation``: projector outputs of positive pairs and their diagnostics.
- ``coco_samples``: synthetic detections for checking and timing detection metrics.
- ``spec``: a run matrix's spec, its runs and the config each trains (``job_config``).
- ``jobs``: running a matrix's runs (commands, logs, scheduler, progress).
- ``results``: reading finished runs (metrics, k-NN probe) into tables and a plot.
- ``records``: the committed results records (``docs/results/*.json``) and the tables made
  from them.
- ``drift``: the demo's first losses, pinned in the records (``tests/test_drift.py``).
"""
