#!/usr/bin/env bash
# The main job on the embedded demo data (what `make demo` runs after installing):
# make the data -> check it -> Barlow Twins pretraining on the unlabeled images -> Faster R-CNN
# fine-tuned from it and from random init with the same budget, on 25% of the labeled images
# -> tools/test.py -> a table -> which committed record (docs/results/demo.json) it matches.
# DEMO_FORMAT=coco runs the same chain on the demo data exported to a COCO json and a nested
# folder tree of unlabeled images (tools/dataset_converters/nyu2coco.py; docs/your_data.md),
# into work_dirs/demo-coco-<precision>/, compared with docs/results/demo_coco.json.
# A run whose final checkpoint exists is skipped (delete its folder in work_dirs/demo-<precision>/ to redo
# it); an interrupted one is resumed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
NYU_DATA=${DEMO_DATA:-data/demo}
FORMAT=${DEMO_FORMAT:-nyu}
case $FORMAT in
    nyu) DATA=$NYU_DATA; NAME=demo ;;
    coco) DATA=${DEMO_COCO_DATA:-data/demo-coco}; NAME=demo_coco ;;
    *) echo "DEMO_FORMAT must be nyu or coco, not $FORMAT" >&2; exit 2 ;;
esac
SPEC=configs/matrix/$NAME.yml  # the runs; its table is the demo's
SSL=configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_$FORMAT-demo.py
DET_RANDOM=configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-6e_$FORMAT-demo.py
DET_SSL=configs/faster_rcnn/faster-rcnn_r18-w32-barlowtwins-pre_fpn_1xb8-adam-6e_$FORMAT-demo.py
export PYTHONWARNINGS=ignore
# The precision the runs train in: bf16 where the CPU computes it natively and faster (AMX-BF16),
# else fp32; DEMO_PRECISION=fp32 (or bf16) forces one. The numbers depend on it (and on the
# CPU's kernels): docs/results/demo.json has a record of each, and the demo ends by comparing.
PRECISION=${DEMO_PRECISION:-auto}
if [[ $PRECISION == auto ]]; then
    PRECISION=$($PY -c "from custom_modules.engine import native_bf16
print('bf16' if native_bf16('cpu') else 'fp32')")
fi
OUT=work_dirs/${NAME//_/-}-$PRECISION
# The schedule: the pretraining first, alone, with an OpenMP thread per core (up to 2: its
# step scales, 0.44 s -> 0.29 s on 2 cores in fp32), then the two fine-tunes side by side with
# one thread each (a Faster R-CNN step hardly scales: 0.86 s -> 0.68 s; and with 2 threads on
# a busy 2-core machine a step once took 10 s instead of 0.46 s, threads spinning while they
# wait for each other). On 2 cores without AMX this took the demo from 18.5 to ~14 minutes.
# (not plain `nproc`: it reports OMP_NUM_THREADS when that is set)
CORES=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
SSL_THREADS=${DEMO_SSL_THREADS:-$(( CORES >= 2 ? 2 : 1 ))}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
JOBS=${DEMO_JOBS:-$(( CORES >= 2 ? 2 : 1 ))}
t0=$(date +%s)

stage() { echo; echo "== [$1/4] $2 ($(date +%H:%M:%S), $(( ($(date +%s) - t0) / 60 )) min so far)"; }
stem() { basename "$1" .py; }
stage 1 "demo data in $NYU_DATA"
# .complete records how the data were made: data of another kind (the earlier digits, or
# another seed) are regenerated, not reused
MADE="make_demo_data.py --source glyphs --seed 0"
if [[ ! -f $NYU_DATA/.complete || "$(cat "$NYU_DATA/.complete")" != "$MADE" ]]; then
    rm -rf "$NYU_DATA"
    $PY tools/make_demo_data.py "$NYU_DATA" --source glyphs --seed 0
    echo "$MADE" >"$NYU_DATA/.complete"
else
    echo "already there ($NYU_DATA/.complete); delete $NYU_DATA to regenerate"
fi
if [[ $FORMAT == coco ]]; then
    EXPORT="nyu2coco.py $NYU_DATA --demo --unlabeled-tree ($MADE)"
    if [[ ! -f $DATA/.complete || "$(cat "$DATA/.complete")" != "$EXPORT" ]]; then
        rm -rf "$DATA"
        $PY tools/dataset_converters/nyu2coco.py "$NYU_DATA" "$DATA" --demo --unlabeled-tree
        echo "$EXPORT" >"$DATA/.complete"
    else
        echo "the COCO export is there too ($DATA/.complete)"
    fi
fi

stage 2 "check the labeled data"
$PY tools/check_dataset.py "$DET_RANDOM" --data-root "$DATA/" 2>/dev/null

stage 3 "pretrain ($SSL_THREADS threads), then fine-tune and test ($JOBS at once) in $PRECISION: tools/run_matrix.py $SPEC"
matrix() { $PY tools/run_matrix.py "$SPEC" --data-root "$DATA/" --precision "$PRECISION" --out "$OUT" "$@"; }
OMP_NUM_THREADS=$SSL_THREADS matrix --only pretraining --jobs 1
matrix --jobs "$JOBS"  # the pretraining: done before

stage 4 "pictures in $OUT"
ckpt() {  # ckpt RESULTS_JSON CONFIG: the checkpoint run_matrix.py recorded for CONFIG
    $PY -c "import json, sys; print(next(r['checkpoint'] for r in json.load(open(sys.argv[1]))
                                         if r['config'] == sys.argv[2]))" "$OUT/$1" "$2"
}
$PY tools/vis_cross_correlation.py "$SSL" "$(ckpt ssl.json "$SSL")" --num 64 --show-dims 96 \
    --out "$OUT/cross_correlation.png" --data-root "$DATA/" | tail -5
$PY tools/vis_detections.py "$DET_SSL" "$(ckpt results.json "$DET_SSL")" --num 4 \
    --out "$OUT/detections.png" --data-root "$DATA/" | tail -1
$PY tools/vis_featmaps.py "$DET_SSL" "$(ckpt results.json "$DET_SSL")" 2 \
    --out "$OUT/featmaps.png" --data-root "$DATA/" | tail -1

echo
cat "$OUT/results.md"
echo "written: $OUT/results.json, $OUT/results.md, $OUT/{cross_correlation,detections,featmaps}.png"
echo
echo "trained in $PRECISION on $($PY -c 'from custom_modules.engine import device_name
print(device_name())'); against the committed record (the README's table of that precision):"
$PY tools/records.py compare "$NAME" "$OUT"
echo "demo finished in $(( ($(date +%s) - t0) / 60 )) min"
