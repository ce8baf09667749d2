import type { Experiment, FieldValue, RestartRule } from '../schema';
import { FAMILY_SCHEMAS } from './schemas';

/**
 * The rules every config obeys: those on fields every config carries (declared by the family that
 * owns the field), in registry order. A family's own rules apply to its configs only.
 */
const CARRIED_RULES: readonly RestartRule[] = FAMILY_SCHEMAS.flatMap((schema) =>
  (schema.restartRules ?? []).filter((rule) => rule.fields.every((key) => schema.fields[key]?.carried)),
);

/** A list field as compared (absent: empty). */
const listText = (v: FieldValue | undefined): string => (Array.isArray(v) ? v.join() : '');

function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return listText(a) === listText(b);
  return a === b;
}

function changed(rule: RestartRule, prev: Experiment, next: Experiment): boolean {
  const p = prev as unknown as Record<string, FieldValue | undefined>;
  const n = next as unknown as Record<string, FieldValue | undefined>;
  return rule.fields.some((key) => !sameValue(p[key], n[key]));
}

/**
 * Why a change of settings needs a new run (a new network, or a new task stream), in words, or
 * null when the run can go on with θ kept: another task or seed, or a change a restart rule of
 * the families watches (see FamilySchema.restartRules). Shared by the page (which resets its
 * readouts) and the worker (which builds the new run), so the two always agree.
 */
export function restartReason(prev: Experiment, next: Experiment): string | null {
  if (next.task !== prev.task) return `task changed to ${next.task}`;
  if (next.seed !== prev.seed) return `seed changed to ${next.seed}`;
  const own = FAMILY_SCHEMAS.find((s) => s.name === next.task)?.restartRules ?? [];
  const rules = [...CARRIED_RULES, ...own.filter((rule) => !CARRIED_RULES.includes(rule))];
  const hit = rules.find((rule) => changed(rule, prev, next));
  return hit ? hit.reason(next) : null;
}
