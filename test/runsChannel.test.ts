import { afterEach, describe, expect, it } from 'vitest';
import {
  coalesce,
  onOtherTabs,
  readChange,
  tellOtherTabs,
  type RunsChange,
} from '../src/ui/runs/runsChannel';

const put = (id: string): RunsChange => ({ kind: 'put', id });
const del = (id: string): RunsChange => ({ kind: 'delete', id });

describe('changes to the saved runs, between tabs', () => {
  it('reads only well-formed messages', () => {
    expect(readChange({ kind: 'put', id: 'a' })).toEqual(put('a'));
    expect(readChange({ kind: 'delete', id: 'a', extra: 1 })).toEqual(del('a'));
    expect(readChange({ kind: 'list', id: 3 })).toEqual({ kind: 'list' });
    for (const bad of [null, 'put', { kind: 'put' }, { kind: 'put', id: 3 }, { kind: 'drop', id: 'a' }]) {
      expect(readChange(bad)).toBeNull();
    }
  });

  it("keeps each record's latest change, in order, until the whole list is to be read again", () => {
    let pending: RunsChange[] = [];
    for (const c of [put('a'), put('b'), put('a'), del('b')]) pending = coalesce(pending, c);
    expect(pending).toEqual([put('a'), del('b')]);
    pending = coalesce(pending, { kind: 'list' });
    expect(pending).toEqual([{ kind: 'list' }]);
    expect(coalesce(pending, put('c'))).toEqual([{ kind: 'list' }]);
  });

  const others: BroadcastChannel[] = [];
  afterEach(() => {
    for (const c of others.splice(0)) c.close();
  });

  it('tells the other tabs on a BroadcastChannel, and hears theirs', async () => {
    const other = new BroadcastChannel('maml-runs');
    others.push(other);
    const toOther = new Promise<unknown>((resolve) => {
      other.onmessage = (e: MessageEvent) => resolve(e.data);
    });
    const heard: RunsChange[] = [];
    const fromOther = new Promise<void>((resolve) => {
      const stop = onOtherTabs((c) => {
        heard.push(c);
        stop();
        resolve();
      });
    });
    tellOtherTabs(put('run-1'));
    expect(await toOther).toEqual(put('run-1'));
    // (this tab does not hear its own message: the first one heard is the other tab's)
    other.postMessage({ kind: 'nonsense' });
    other.postMessage(del('run-2'));
    await fromOther;
    expect(heard).toEqual([del('run-2')]);
  });
});
