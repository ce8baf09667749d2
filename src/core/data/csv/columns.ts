/**
 * Which columns of a table hold the task id, x and y: from the header's names when it has them,
 * else by position (the first text column is the task, the next numeric ones x and y). When more
 * than three columns leave the choice open, it is made and flagged `ambiguous` for the page to
 * show (and change).
 */
import { isNumeric } from './cells';
import { TableError } from './tableError';

export interface ColumnRequest {
  /** a header name (any case) or a 0-based column index */
  task?: string | number;
  x?: string | number;
  y?: string | number;
}

export interface ColumnChoice {
  /** the first line is a header (it has at least two cells that are not numbers) */
  header: boolean;
  /** the column names: the header's, else col1, col2, ... */
  names: string[];
  task: number;
  x: number;
  y: number;
  /** more than three columns and neither the request nor the names decided all three */
  ambiguous: boolean;
}

const NAME_PATTERNS = {
  task: /^(task|task[ _-]?id|id|group|series|curve|subject|patient|sensor|student|name)$/i,
  x: /^(x|t|time|input|dose|age)$/i,
  y: /^(y|value|output|target|response)$/i,
} as const;

type Role = keyof typeof NAME_PATTERNS;
const ROLES: readonly Role[] = ['task', 'x', 'y'];

function requested(names: string[], role: Role, want: string | number): number {
  const index =
    typeof want === 'number' ? want : names.findIndex((n) => n.toLowerCase() === want.toLowerCase());
  if (!Number.isInteger(index) || index < 0 || index >= names.length) {
    throw new TableError(`the ${role} column "${String(want)}" is not one of: ${names.join(', ')}`);
  }
  return index;
}

/** The columns of a table whose first non-empty line has these cells. */
export function chooseColumns(first: string[], request: ColumnRequest = {}): ColumnChoice {
  if (first.length < 3) {
    throw new TableError(
      `the first line has ${first.length} column${first.length === 1 ? '' : 's'}: a task column, an x and a y column are needed`,
    );
  }
  const header = first.filter((c) => c !== '' && !isNumeric(c)).length >= 2;
  const names = header ? first.map((c, i) => c || `col${i + 1}`) : first.map((_, i) => `col${i + 1}`);
  const chosen: Partial<Record<Role, number>> = {};
  let decided = 0;
  for (const role of ROLES) {
    const want = request[role];
    const index =
      want !== undefined
        ? requested(names, role, want)
        : header
          ? names.findIndex((n, i) => NAME_PATTERNS[role].test(n) && !Object.values(chosen).includes(i))
          : -1;
    if (index >= 0) {
      chosen[role] = index;
      decided++;
    }
  }
  const free = names.map((_, i) => i).filter((i) => !Object.values(chosen).includes(i));
  if (chosen.task === undefined) {
    // without a name, the task is the first text cell of a data line (else the first free column)
    const text = header ? -1 : free.find((i) => !isNumeric(first[i] ?? ''));
    chosen.task = text !== undefined && text >= 0 ? text : (free[0] as number);
    free.splice(free.indexOf(chosen.task), 1);
  }
  chosen.x ??= free.shift() as number;
  chosen.y ??= free.shift() as number;
  const { task, x, y } = chosen as Record<Role, number>;
  if (new Set([task, x, y]).size < 3)
    throw new TableError('the task, x and y columns must be three different columns');
  return { header, names, task, x, y, ambiguous: names.length > 3 && decided < 3 };
}
