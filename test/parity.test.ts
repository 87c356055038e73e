import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/model/backends';
import { formulaWeights } from '../src/model/formulaWeights';
import { runFixture, compareFixture } from '../src/parity/run';
import { formatRows } from '../src/parity/compare';
import { loadFixture } from './helpers';

// The acceptance test of the model: every tensor of the three official runs, on cpu and wasm,
// within |ours - official| <= 1e-4 + 1e-3 |official| (labels exact).
const FIXTURES = ['r50_e12', 'r50_smca_e50', 'r50_dc5_smca_e12'];
const BACKENDS = (process.env.PARITY_BACKENDS ?? 'wasm,cpu').split(',') as ('wasm' | 'cpu')[];

describe.each(BACKENDS)('parity on %s', (backend) => {
  it.each(FIXTURES)('%s matches the official implementation', async (name) => {
    await useBackend(backend);
    const fx = loadFixture(name);
    const before = tf.memory().numTensors;
    const ours = await runFixture(fx, formulaWeights(fx.config, fx.weightSeed));
    const rows = compareFixture(fx, ours);
    console.log(`${name} on ${backend}\n${formatRows(rows)}`);
    expect(rows.length).toBe([...fx.tensors.keys()].filter((k) => !k.startsWith('input.')).length);
    expect(rows.filter((r) => !r.pass).map((r) => r.name)).toEqual([]);
    // The run disposes everything it made (weights included).
    expect(tf.memory().numTensors).toBe(before);
  });
});
