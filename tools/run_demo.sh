#!/usr/bin/env bash
# The main job on the embedded demo data (what `make demo` runs after installing):
# make the data -> check it -> train the demo Faster R-CNN -> evaluate with tools/test.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DATA=${DEMO_DATA:-data/demo}
CFG=configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py
WORK=work_dirs/demo/$(basename "$CFG" .py)
export PYTHONWARNINGS=ignore

stage() { echo; echo "== [$1] $2 ($(date +%H:%M:%S))"; }

stage 1/4 "demo data in $DATA"
if [[ ! -f $DATA/.complete ]]; then
    rm -rf "$DATA"
    $PY tools/make_demo_data.py "$DATA"
    touch "$DATA/.complete"
else
    echo "already there ($DATA/.complete); delete $DATA to regenerate"
fi

stage 2/4 "check the data"
$PY tools/check_dataset.py "$CFG" --cfg-options "train_dataloader.dataset.data_root=$DATA/" \
    "val_dataloader.dataset.data_root=$DATA/" 2>/dev/null

stage 3/4 "train $CFG (a few minutes on 2 CPU cores)"
start=$(date +%s)
$PY tools/train.py "$CFG" --work-dir "$WORK" --cfg-options \
    "train_dataloader.dataset.data_root=$DATA/" "val_dataloader.dataset.data_root=$DATA/" \
    "test_dataloader.dataset.data_root=$DATA/" 2>&1 | grep -E "Epoch\(train\).*\]\[(25|50|75)/|Epoch\(val\).*coco|Error" || true
ckpt=$(cat "$WORK/last_checkpoint")
echo "trained in $(( $(date +%s) - start )) s: $ckpt"

stage 4/4 "evaluate with tools/test.py"
$PY tools/test.py "$CFG" "$ckpt" --work-dir "$WORK/test" --outfile-prefix "$WORK/test/predictions" \
    --cfg-options "test_dataloader.dataset.data_root=$DATA/" 2>&1 | grep -vE "^\S+ \S+ - mmengine - (INFO|WARNING)" | grep -vE "^(loading|Done|creating|index|Loading|DONE|Running|Evaluate|Accumulating| Average)" || true
mAP=$($PY -c "import json,sys; print(f\"{json.load(open(sys.argv[1]))['coco/bbox_mAP']:.3f}\")" "$WORK/test/metrics.json")
echo
echo "demo Faster R-CNN (random init) on $DATA validation: bbox mAP@[.5:.95] = $mAP"
