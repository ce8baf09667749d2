import { describe, expect, it } from 'vitest';
import { showReport } from '../src/ui/session/reports';
import { useStore } from '../src/ui/shell/store';

describe('a notice that tells of an engine move', () => {
  it('moves the status line to the engine the run trains on now; a plain notice leaves it', () => {
    useStore.setState({ engine: 'fused' });
    showReport({ kind: 'notice', level: 'info', message: 'nothing moved' });
    expect(useStore.getState().engine).toBe('fused');
    showReport({ kind: 'notice', level: 'warning', message: 'the fused engine cannot run', engine: 'tfjs' });
    expect(useStore.getState().engine).toBe('tfjs');
  });
});
