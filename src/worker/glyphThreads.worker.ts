/**
 * A nested module worker of the training worker serving task shards of fused glyph engines (see
 * ./glyphThreads.ts): says 'ready' once the wasm module is compiled.
 */
import { glyphShardServer } from '../core/engines/fusedGlyph/shardServer';
import type { ShardConfig } from '../core/engines/fusedGlyph/threads';
import { loadFusedGlyph } from '../core/engines/fusedGlyph/wasmModule';

interface HelperScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ShardConfig>) => void): void;
}

const scope = self as unknown as HelperScope;
const serve = glyphShardServer();
scope.addEventListener('message', (e) => serve(e.data));
void loadFusedGlyph().then(() => scope.postMessage('ready'));
