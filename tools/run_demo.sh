#!/usr/bin/env bash
# The main job on the embedded demo data (what `make demo` runs after installing):
# make the data -> check it -> Barlow Twins pretraining on the unlabeled images -> Faster R-CNN
# fine-tuned from it and from random init with the same budget, on 25% of the labeled images
# -> tools/test.py -> a table.
# A run whose final checkpoint exists is skipped (delete its folder in work_dirs/demo/ to redo
# it); an interrupted one is resumed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DATA=${DEMO_DATA:-data/demo}
SPEC=configs/matrix/demo.yml  # the runs; its table is the demo's
SSL=configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py
DET_RANDOM=configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-6e_nyu-demo.py
DET_SSL=configs/faster_rcnn/faster-rcnn_r18-w32-barlowtwins-pre_fpn_1xb8-adam-6e_nyu-demo.py
OUT=work_dirs/demo
export PYTHONWARNINGS=ignore
# One OpenMP thread per process: the demo's models are small and two dataloader workers share
# the two cores; with 2 threads on a busy 2-core machine a Barlow Twins step took 10 s instead
# of 0.46 s (threads spinning while they wait for each other). Set it to override.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# Runs at once: the random-init fine-tune trains beside the pretraining (one per core).
# (not plain `nproc`: it reports OMP_NUM_THREADS when that is set, i.e. 1 here)
JOBS=${DEMO_JOBS:-$(( $(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc) >= 2 ? 2 : 1 ))}
t0=$(date +%s)

stage() { echo; echo "== [$1/4] $2 ($(date +%H:%M:%S), $(( ($(date +%s) - t0) / 60 )) min so far)"; }
stem() { basename "$1" .py; }
data_opts() {  # data_root overrides for the named dataloaders (or the k-NN hook)
    for k in "$@"; do
        case $k in
            custom_hooks.*) printf '%s ' "$k.data_root=$DATA/" ;;
            *) printf '%s ' "${k}_dataloader.dataset.data_root=$DATA/" ;;
        esac
    done
}

stage 1 "demo data in $DATA"
# .complete records how the data were made: data of another kind (the earlier digits, or
# another seed) are regenerated, not reused
MADE="make_demo_data.py --source glyphs --seed 0"
if [[ ! -f $DATA/.complete || "$(cat "$DATA/.complete")" != "$MADE" ]]; then
    rm -rf "$DATA"
    $PY tools/make_demo_data.py "$DATA" --source glyphs --seed 0
    echo "$MADE" >"$DATA/.complete"
else
    echo "already there ($DATA/.complete); delete $DATA to regenerate"
fi

stage 2 "check the labeled data"
$PY tools/check_dataset.py "$DET_RANDOM" --cfg-options $(data_opts train val) 2>/dev/null

stage 3 "pretrain, fine-tune, test: tools/run_matrix.py $SPEC --jobs $JOBS"
$PY tools/run_matrix.py "$SPEC" --data-root "$DATA/" --jobs "$JOBS"

stage 4 "pictures in $OUT"
ckpt() {  # ckpt RESULTS_JSON CONFIG: the checkpoint run_matrix.py recorded for CONFIG
    $PY -c "import json, sys; print(next(r['checkpoint'] for r in json.load(open(sys.argv[1]))
                                         if r['config'] == sys.argv[2]))" "$OUT/$1" "$2"
}
$PY tools/vis_cross_correlation.py "$SSL" "$(ckpt ssl.json "$SSL")" --num 64 --show-dims 96 \
    --out "$OUT/cross_correlation.png" --cfg-options $(data_opts train) | tail -5
$PY tools/vis_detections.py "$DET_SSL" "$(ckpt results.json "$DET_SSL")" --num 4 \
    --out "$OUT/detections.png" --cfg-options $(data_opts val test) | tail -1
$PY tools/vis_featmaps.py "$DET_SSL" "$(ckpt results.json "$DET_SSL")" \
    "$DATA/labeled/validation/images/3.JPEG" --out "$OUT/featmaps.png" | tail -1

echo
cat "$OUT/results.md"
echo "written: $OUT/results.json, $OUT/results.md, $OUT/{cross_correlation,detections,featmaps}.png"
echo "demo finished in $(( ($(date +%s) - t0) / 60 )) min"
