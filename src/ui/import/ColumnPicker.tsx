import { useState } from 'react';
import type { ColumnChoice } from '../../core/data/csv/columns';

type Role = 'task' | 'x' | 'y';
const ROLES: readonly Role[] = ['task', 'x', 'y'];

/** The three columns by index, as a column request for the reader. */
export interface PickedColumns {
  task: number;
  x: number;
  y: number;
}

/**
 * The task, x and y columns of a table whose columns the reader chose from several: one select
 * per role over the table's column names; a new choice of three different columns is read again
 * (`onPick`), the same column twice is said in a line and not read.
 */
export function ColumnPicker({ columns, onPick }: { columns: ColumnChoice; onPick(c: PickedColumns): void }) {
  const [clash, setClash] = useState(false);
  const pick = (role: Role, index: number) => {
    const next = { task: columns.task, x: columns.x, y: columns.y, [role]: index };
    const distinct = new Set([next.task, next.x, next.y]).size === 3;
    setClash(!distinct);
    if (distinct) onPick(next);
  };
  return (
    <div className="import-columns" role="group" aria-label="columns">
      {ROLES.map((role) => (
        <label key={role} className="inline-field">
          {role}{' '}
          <select
            aria-label={`${role} column`}
            value={columns[role]}
            onChange={(e) => pick(role, Number(e.currentTarget.value))}
          >
            {columns.names.map((name, i) => (
              <option key={i} value={i}>
                {name}
              </option>
            ))}
          </select>
        </label>
      ))}
      {clash && <p className="note">The task, x and y columns must be three different columns.</p>}
    </div>
  );
}
