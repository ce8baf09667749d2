#!/bin/bash
# Write a plan, train its cells as a Slurm job array, and merge them when every cell succeeded:
#   scripts/sweep/slurm-submit.sh map.json --config '<link>' --x alpha=0.001..0.3:log:8 --y beta=0.0001..0.01:log:8
# Run from the repository root on a login node (with npm ci done); prints the two job ids.
set -euo pipefail
map=${1:?usage: scripts/sweep/slurm-submit.sh map.json --x ... [--y ...] [--config ...] [--steps N]}
shift
plan="${map%.json}.plan.json"
npm run --silent sweep -- "$@" --plan "$plan"
cells=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).cells.length)' "$plan")
array=$(sbatch --parsable --array=0-$((cells - 1)) scripts/sweep/slurm-array.sh "$plan")
merge=$(sbatch --parsable --dependency=afterok:"$array" --job-name=maml-sweep-merge \
  --wrap "npx tsx src/cli/sweep.ts --plan '$plan' --merge --json '$map'")
echo "cells: job $array (array 0-$((cells - 1))), merge: job $merge -> $map"
