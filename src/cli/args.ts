import { InputError } from '../core/inputError';

/** A small strict flag parser: unknown flags and bad values are errors, never guesses. */
export class UsageError extends Error {}

export interface FlagSpec {
  type: 'string' | 'int' | 'boolean';
  min?: number;
  max?: number;
  choices?: readonly string[];
}

export function parseFlags(
  argv: string[],
  spec: Record<string, FlagSpec>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const s = spec[name];
    if (!s)
      throw new UsageError(
        `unknown flag --${name} (known: ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(' ')})`,
      );
    if (s.type === 'boolean') {
      if (value !== undefined) throw new UsageError(`--${name} takes no value`);
      out[name] = true;
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    if (s.type === 'int') {
      if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
      const n = Number(value);
      if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) {
        throw new UsageError(`--${name} must be between ${s.min} and ${s.max}, got ${n}`);
      }
      out[name] = n;
    } else {
      if (s.choices && !s.choices.includes(value)) {
        throw new UsageError(`--${name} must be one of ${s.choices.join(', ')}, got "${value}"`);
      }
      out[name] = value;
    }
  }
  return out;
}

/**
 * Run a CLI main: usage errors and faults in the user's data (InputError) print one line and exit 2, other failures exit 1; a main that
 * returns exits with process.exitCode (0 unless it set one, e.g. 130 after Ctrl-C).
 */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
    (err: unknown) => {
      if (err instanceof UsageError || err instanceof InputError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
