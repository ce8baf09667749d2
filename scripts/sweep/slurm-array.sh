#!/bin/bash
# One cell of a sensitivity-map plan per Slurm array task (docs/sweep.md):
#   sbatch --array=0-<cells-1> scripts/sweep/slurm-array.sh plan.json
# Slurm sets SLURM_ARRAY_TASK_ID, which `--plan` without `--cell` reads; the result goes to
# plan.cells/cell-NN.json beside the plan (a file system every node sees).
#SBATCH --job-name=maml-sweep
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=maml-sweep-%A_%a.log
set -euo pipefail
plan=${1:?usage: sbatch --array=0-N scripts/sweep/slurm-array.sh plan.json}
cd "${SLURM_SUBMIT_DIR:-.}"
# one thread per cell: the fused engine is single-threaded, Slurm gives each task its own core
exec npx tsx src/cli/sweep.ts --plan "$plan"
