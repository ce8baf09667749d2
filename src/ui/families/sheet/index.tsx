import { loadedTable } from '../../../core/families/sheet/loaded';
import { tableTasks } from '../../../core/families/sheet/sampler';
import { regressionFamily } from '../regression/regressionFamily';
import { SheetControls } from './SheetControls';

export const sheetUi = regressionFamily({
  name: 'sheet',
  tasksFor: () => tableTasks(loadedTable()),
  intro: (
    <>
      Your own curves: each task is one curve of a table with a task, an x and a y column, and its points are
      the pool that support and query points are drawn from. Until you import a file with the panel below (or
      pass the command line&apos;s <code>--tasks</code>), the tasks are the example table: 40 temperature
      sensors over a day. A fifth of the tasks, chosen by a hash of their id, are held out for evaluation; x
      and y are standardised with the meta-training points&apos; mean and spread.
    </>
  ),
  Controls: SheetControls,
});
