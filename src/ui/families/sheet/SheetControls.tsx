import { useState } from 'react';
import type { ImportedTable } from '../../../core/data/csv/importTable';
import { setLoadedTable, usingExample } from '../../../core/families/sheet/loaded';
import { checkTrainable } from '../../../core/families/sheet/sampler';
import { ImportTasks } from '../../import/ImportTasks';
import { useStore } from '../../shell/store';
import type { FamilyControlsProps } from '../regression/regressionFamily';

/**
 * The import panel: an imported table becomes the page's tasks (the task view draws from it) and
 * the training worker's, and the task view takes a task of the new table.
 */
export function SheetControls({ config }: FamilyControlsProps) {
  const [example, setExample] = useState(usingExample);
  const use = (table: ImportedTable) => {
    checkTrainable(table, config.k, config.query);
    setLoadedTable(table);
    setExample(false);
    (useStore.getState() as Partial<{ newTask(): void }>).newTask?.();
  };
  return (
    <>
      {example && <p className="import-note">Training on the example table (40 sensors over a day).</p>}
      <ImportTasks task={config.task} onTable={use} restore={example} />
    </>
  );
}
