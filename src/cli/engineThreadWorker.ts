/**
 * A Node worker thread serving task shards of fused glyph engines (see ./engineThreads.ts): says
 * 'ready' once its modules and the wasm module are loaded.
 */
import { parentPort } from 'node:worker_threads';
import { glyphShardServer } from '../core/engines/fusedGlyph/shardServer';
import { loadFusedGlyph } from '../core/engines/fusedGlyph/wasmModule';

const serve = glyphShardServer();
parentPort?.on('message', serve);
await loadFusedGlyph();
parentPort?.postMessage('ready');
