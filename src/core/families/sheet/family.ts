import { describeImport, importTable } from '../../data/csv/importTable';
import type { Experiment } from '../../schema';
import type { FileReading } from '../family';
import { regressionFamily, type RegressionTaskFamily } from '../regression/family';
import { loadedTable, setLoadedTable } from './loaded';
import { checkTrainable, tableTasks, tooSmallLine } from './sampler';
import { sheetSchema } from './schema';

/** Read a table file, keep it for the runs to come, and say what was read. */
async function loadTaskFile(
  bytes: Uint8Array,
  config: Experiment,
  reading: FileReading = {},
): Promise<{ hash: string; lines: string[] }> {
  const table = await importTable(bytes, reading.columns ? { columns: reading.columns } : {});
  checkTrainable(table, config.k, config.query);
  setLoadedTable(table);
  const small = tooSmallLine(table, config.k + config.query, config.k, config.query);
  return { hash: table.hash, lines: [...describeImport(table), ...(small ? [small] : [])] };
}

/** Your own curves: the regression machinery on the tasks of the loaded table. */
export const sheetFamily: RegressionTaskFamily = {
  ...regressionFamily(sheetSchema, () => tableTasks(loadedTable())),
  loadTaskFile,
};
