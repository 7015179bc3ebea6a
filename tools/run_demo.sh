#!/usr/bin/env bash
# The main job on the embedded demo data (what `make demo` runs after installing):
# make the data -> check it -> Barlow Twins pretraining on the unlabeled images -> Faster R-CNN
# fine-tuned from it and from random init with the same budget -> tools/test.py -> a table.
# A stage whose final checkpoint exists is skipped (delete its work_dirs/ folder to redo it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DATA=${DEMO_DATA:-data/demo}
SSL=configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py
DET_RANDOM=configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py
DET_SSL=configs/faster_rcnn/faster-rcnn_r18-w32-barlowtwins-pre_fpn_1xb8-adam-12e_nyu-demo.py
OUT=work_dirs/demo
export PYTHONWARNINGS=ignore
t0=$(date +%s)

stage() { echo; echo "== [$1/6] $2 ($(date +%H:%M:%S), $(( ($(date +%s) - t0) / 60 )) min so far)"; }
stem() { basename "$1" .py; }
data_opts() {  # data_root overrides for the named dataloaders (or the k-NN hook)
    for k in "$@"; do
        case $k in
            custom_hooks.*) printf '%s ' "$k.data_root=$DATA/" ;;
            *) printf '%s ' "${k}_dataloader.dataset.data_root=$DATA/" ;;
        esac
    done
}

train() {  # train CONFIG EPOCHS DATALOADERS...: skip when work_dirs/<stem>/epoch_EPOCHS.pth exists
    local cfg=$1 epochs=$2 work=work_dirs/$(stem "$1")
    shift 2
    if [[ -f $work/epoch_$epochs.pth ]]; then
        echo "already trained: $work/epoch_$epochs.pth"
        return
    fi
    local start=$(date +%s)
    # shellcheck disable=SC2046
    $PY tools/train.py "$cfg" --cfg-options $(data_opts "$@") 2>&1 |
        grep --line-buffered -E "Epoch\(train\).*\]\[(10|25|50|75)/|coco/bbox_mAP:|Error|error:" |
        sed -u -e 's/^.* - mmengine - INFO - //' -e 's/^\(.\{150\}\).*/\1/' || true
    [[ -f $work/epoch_$epochs.pth ]] || { echo "training $cfg failed; see $work"; exit 1; }
    echo $(( $(date +%s) - start )) >"$work/train_seconds"
}

evaluate() {  # evaluate CONFIG EPOCHS
    local cfg=$1 work=work_dirs/$(stem "$1")
    $PY tools/test.py "$cfg" "$work/epoch_$2.pth" --work-dir "$work/test" \
        --outfile-prefix "$work/test/predictions" --cfg-options $(data_opts test) 2>&1 |
        grep -E "^ *bbox_mAP" || true
}

stage 1 "demo data in $DATA"
if [[ ! -f $DATA/.complete ]]; then
    rm -rf "$DATA"
    $PY tools/make_demo_data.py "$DATA"
    touch "$DATA/.complete"
else
    echo "already there ($DATA/.complete); delete $DATA to regenerate"
fi

stage 2 "check the labeled data"
$PY tools/check_dataset.py "$DET_RANDOM" --cfg-options $(data_opts train val) 2>/dev/null

stage 3 "Barlow Twins pretraining on $DATA/unlabeled: $(stem $SSL) (~10 min on 2 cores)"
train "$SSL" 20 train custom_hooks.1  # the k-NN probe hook has its own data_root

stage 4 "Faster R-CNN from random init: $(stem $DET_RANDOM) (~8 min)"
train "$DET_RANDOM" 12 train val test

stage 5 "Faster R-CNN from the Barlow Twins backbone, same budget: $(stem $DET_SSL) (~8 min)"
train "$DET_SSL" 12 train val test

stage 6 "evaluate both with tools/test.py"
echo "random init:"
evaluate "$DET_RANDOM" 12
echo "Barlow Twins:"
evaluate "$DET_SSL" 12

mkdir -p "$OUT"
$PY - "$OUT" "$DET_RANDOM" "$DET_SSL" <<'EOF'
import json, os.path as osp, sys
out, rows = sys.argv[1], []
for cfg, pre in ((sys.argv[2], 'none (random init)'), (sys.argv[3], 'Barlow Twins')):
    work = osp.join('work_dirs', osp.splitext(osp.basename(cfg))[0])
    m = json.load(open(osp.join(work, 'test', 'metrics.json')))
    secs = osp.join(work, 'train_seconds')
    rows.append(dict(
        backbone='ResNet-18 (w32)', pretraining=pre, detector='Faster R-CNN', config=cfg,
        checkpoint=osp.join(work, 'epoch_12.pth'), bbox_mAP=m['coco/bbox_mAP'],
        bbox_mAP_50=m['coco/bbox_mAP_50'], bbox_mAP_75=m['coco/bbox_mAP_75'],
        train_minutes=round(int(open(secs).read()) / 60, 1) if osp.exists(secs) else None))
json.dump(rows, open(osp.join(out, 'results.json'), 'w'), indent=2)
lines = ['| Backbone | Pretraining | Detector | mAP | AP50 | AP75 | train min |',
         '|---|---|---|---|---|---|---|']
lines += [f"| {r['backbone']} | {r['pretraining']} | {r['detector']} | {r['bbox_mAP']:.3f} | "
          f"{r['bbox_mAP_50']:.3f} | {r['bbox_mAP_75']:.3f} | {r['train_minutes']} |" for r in rows]
open(osp.join(out, 'results.md'), 'w').write('\n'.join(lines) + '\n')
print('\n'.join(lines))
print(f'\nwritten: {out}/results.json, {out}/results.md')
EOF
echo "demo finished in $(( ($(date +%s) - t0) / 60 )) min"
