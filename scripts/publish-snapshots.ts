/**
 * npx tsx scripts/publish-snapshots.ts --run training/grid20/NAME --model NAME
 *
 * Publishes a training run's snapshots (OUT/snapshots/epoch-E/, written by scripts/train.ts
 * --snapshots) as public/models/NAME/snapshots/ and lists their epochs in public/models/index.json,
 * for the app's training timeline. The published model itself (public/models/NAME/) is left as
 * it is: a run still in progress ships its early epochs before its final weights.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { run: { type: 'string' }, model: { type: 'string' } } });
const run = values.run ?? '';
const name = values.model ?? '';
const from = join(run, 'snapshots');
if (!name || !existsSync(from)) throw new Error(`usage: --run DIR --model NAME (DIR/snapshots must exist; got "${from}")`);
const to = join('public', 'models', name, 'snapshots');
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
const epochs = readdirSync(from).map((d) => Number(/^epoch-(\d+)$/.exec(d)?.[1])).filter(Number.isFinite).sort((a, b) => a - b);
const indexPath = join('public', 'models', 'index.json');
const index: { models: { name: string; snapshots?: number[] }[] } = JSON.parse(readFileSync(indexPath, 'utf8'));
const entry = index.models.find((m) => m.name === name);
if (!entry) throw new Error(`${name} is not in ${indexPath}`);
entry.snapshots = epochs;
writeFileSync(indexPath, JSON.stringify(index, null, 2) + '\n');
console.log(`${name}: snapshots ${epochs.join(', ')} published to ${to}`);
