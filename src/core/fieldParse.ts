/**
 * Parsing one untrusted field value (a link's, a form's, a file's) into a valid one, with a
 * human-readable line for every change; the fields themselves are declared in ./schema.ts.
 */
import type { Field, FieldValue, ListField, RangeField, SetField } from './schema';

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function show(raw: unknown): string {
  const s = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

/** Strictly parse one number ("1e-3" yes, "0x10", "", "1,5", "Infinity" no). */
export function parseNumber(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (s.length === 0 || s.length > 64 || !NUMBER_RE.test(s)) return null;
  const x = Number(s);
  return Number.isFinite(x) ? x : null;
}

/** The raw items of a list value: "a,b", ["a", "b"] or a single number. */
function listItems(raw: unknown): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'string') return raw.split(',').filter((p) => p.trim() !== '');
  if (typeof raw === 'number') return [raw];
  return [];
}

/** Parse one untrusted value; `warn` explains any change. Never throws. */
export function parseField(
  key: string,
  field: Field,
  raw: unknown,
  fallback: FieldValue,
  warn: (message: string) => void,
): FieldValue {
  if (field.kind === 'enum') {
    const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    if (field.values.includes(s)) return s;
    warn(`${key}=${show(raw)} is not one of ${field.values.join(', ')}; using ${String(fallback)}`);
    return fallback;
  }
  if (field.kind === 'number') {
    const x = parseNumber(raw);
    if (x === null) {
      warn(`${key}=${show(raw)} is not a number; using ${formatNumber(fallback as number)}`);
      return fallback;
    }
    let v = x;
    if (field.integer && !Number.isInteger(v)) {
      v = Math.round(v);
      warn(`${key}=${show(raw)} must be a whole number; rounded to ${v}`);
    }
    if (v < field.min || v > field.max) {
      const c = Math.min(field.max, Math.max(field.min, v));
      warn(
        `${key}=${show(raw)} is outside [${formatNumber(field.min)}, ${formatNumber(field.max)}]; clamped to ${formatNumber(c)}`,
      );
      v = c;
    }
    return v;
  }
  if (field.kind === 'set') return parseSet(key, field, raw, fallback, warn);
  if (field.kind === 'range') return parseRange(key, field, raw, fallback, warn);
  return parseList(key, field, raw, fallback, warn);
}

function parseSet(
  key: string,
  field: SetField,
  raw: unknown,
  fallback: FieldValue,
  warn: (message: string) => void,
): FieldValue {
  const names = listItems(raw).map((p) => (typeof p === 'string' ? p.trim().toLowerCase() : String(p)));
  const known = names.filter((n, i) => field.values.includes(n) && names.indexOf(n) === i);
  const unknown = names.filter((n) => !field.values.includes(n));
  if (known.length === 0) {
    warn(`${key}=${show(raw)} names none of ${field.values.join(', ')}; using ${String(fallback)}`);
    return fallback;
  }
  if (unknown.length > 0) {
    warn(
      `${key}=${show(raw)}: ${unknown.map(show).join(', ')} not one of ${field.values.join(', ')}; using ${known.join(',')}`,
    );
  }
  return known;
}

function parseList(
  key: string,
  field: ListField,
  raw: unknown,
  fallback: FieldValue,
  warn: (message: string) => void,
): FieldValue {
  const values: number[] = [];
  for (const p of listItems(raw).slice(0, 64)) {
    const x = parseNumber(p);
    if (x === null) {
      warn(`${key}=${show(raw)} is not a comma-separated list of numbers; using ${String(fallback)}`);
      return fallback;
    }
    values.push(x);
  }
  if (values.length === 0) {
    warn(`${key}=${show(raw)} is empty; using ${String(fallback)}`);
    return fallback;
  }
  let changed = false;
  if (values.length > field.maxLength) {
    values.length = field.maxLength;
    changed = true;
  }
  const clamped = values.map((x) => {
    const v = Math.min(field.max, Math.max(field.min, Math.round(x)));
    if (v !== x) changed = true;
    return v;
  });
  if (changed) {
    warn(
      `${key}=${show(raw)} allows at most ${field.maxLength} layers of ${field.min}-${field.max} units; using ${clamped.join(',')}`,
    );
  }
  return clamped;
}

function parseRange(
  key: string,
  field: RangeField,
  raw: unknown,
  fallback: FieldValue,
  warn: (message: string) => void,
): FieldValue {
  const items = listItems(raw);
  const ends = items.slice(0, 3).map(parseNumber);
  if (items.length === 0 || items.length > 2 || ends.some((x) => x === null)) {
    warn(`${key}=${show(raw)} is not a range lo,hi of two numbers; using ${String(fallback)}`);
    return fallback;
  }
  let [lo, hi] = [ends[0] as number, (ends[1] ?? ends[0]) as number];
  if (lo > hi) {
    warn(`${key}=${show(raw)} is reversed; using ${formatNumber(hi)},${formatNumber(lo)}`);
    [lo, hi] = [hi, lo];
  }
  const clamp = (x: number) => Math.min(field.max, Math.max(field.min, x));
  if (clamp(lo) !== lo || clamp(hi) !== hi) {
    warn(
      `${key}=${show(raw)} reaches outside [${formatNumber(field.min)}, ${formatNumber(field.max)}]; clamped to ${formatNumber(clamp(lo))},${formatNumber(clamp(hi))}`,
    );
  }
  return [clamp(lo), clamp(hi)];
}
