// SPDX-License-Identifier: MIT
// RNNoise (the npm package @jitsi/rnnoise-wasm, v0.1 model compiled to WebAssembly) as an
// evaluation peer: reads mono 48 kHz float32 little-endian samples in [-1, 1] from stdin,
// writes the denoised samples, same count and format, to stdout. RNNoise works on 480-
// sample frames with 16-bit-scaled floats; the tail is zero-padded to a whole frame and
// cut off again. Its output lags its input by 960 samples (measured; the caller
// compensates).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const moduleDir = process.env.HUSH_RNNOISE_DIR;
if (!moduleDir) {
  process.stderr.write('rnnoise_peer: set HUSH_RNNOISE_DIR to the folder holding node_modules\n');
  process.exit(2);
}
const require = createRequire(path.join(moduleDir, 'package.json'));
const entry = require.resolve('@jitsi/rnnoise-wasm/dist/rnnoise-sync.js');
const { default: createModule } = await import(pathToFileURL(entry).href);
const rnnoise = createModule();

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = Buffer.concat(chunks);
const samples = Math.floor(input.length / 4);
const frame = 480;
const frames = Math.ceil(samples / frame);
const output = Buffer.alloc(samples * 4);

const state = rnnoise._rnnoise_create(0);
const pointer = rnnoise._malloc(frame * 4);
for (let f = 0; f < frames; ++f) {
  const heap = new Float32Array(rnnoise.HEAPF32.buffer, pointer, frame);
  for (let i = 0; i < frame; ++i) {
    const n = f * frame + i;
    heap[i] = n < samples ? input.readFloatLE(n * 4) * 32768 : 0;
  }
  rnnoise._rnnoise_process_frame(state, pointer, pointer);
  const out = new Float32Array(rnnoise.HEAPF32.buffer, pointer, frame);
  for (let i = 0; i < frame; ++i) {
    const n = f * frame + i;
    if (n < samples) output.writeFloatLE(out[i] / 32768, n * 4);
  }
}
rnnoise._free(pointer);
rnnoise._rnnoise_destroy(state);
process.stdout.write(output);
