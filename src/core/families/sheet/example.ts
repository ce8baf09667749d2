import { readTableBytes } from '../../data/csv/importTable';
import type { TaskTable } from '../../data/csv/taskTable';
import { Rng } from '../../random';

/**
 * The example table the family trains on until the user imports one (and the file
 * public/examples/sensor-days.csv, which holds exactly this text): 40 temperature sensors over
 * a day, each a daily cycle with its own level, swing, peak hour and drift, read at 24 to 40
 * random hours with noise (σ = 0.3 °C).
 */
export function exampleCsv(): string {
  const rng = Rng.stream(7, 'example-sensors');
  const lines = ['sensor,hour,temperature'];
  for (let s = 1; s <= 40; s++) {
    const [swing, peak, level, drift] = [
      rng.uniform(2, 8),
      rng.uniform(12, 17),
      rng.uniform(8, 16),
      rng.uniform(-0.1, 0.1),
    ];
    const hours = Array.from({ length: 24 + rng.int(17) }, () => rng.uniform(0, 24)).sort((a, b) => a - b);
    for (const h of hours) {
      const t = level + swing * Math.cos((2 * Math.PI * (h - peak)) / 24) + drift * h + 0.3 * rng.normal();
      lines.push(`S${String(s).padStart(2, '0')},${h.toFixed(2)},${t.toFixed(2)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

let example: TaskTable | null = null;

/** The example table, read through the same parser as an imported file (once). */
export function exampleTable(): TaskTable {
  example ??= readTableBytes(new TextEncoder().encode(exampleCsv()));
  return example;
}
