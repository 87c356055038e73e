/**
 * Checkpoints kept in the browser (the origin-private file system): a dropped one comes back on a
 * reload, from a shared link and on a later visit; the list loads and deletes; an entry of the
 * older whole-file layout is kept again as its model; and one that cannot be stored still loads.
 */
import type { Page } from 'playwright-core';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import type { ModelConfig } from '../../src/model/config';
import { fmtMB } from '../../src/app/storage/checkpointStore';
import { assert, bundledConfig, dropFile, errorText, runs, shot, test, tinySamDetr, waitRuns } from '../harness';

/** Bytes of a model's float32 weights. */
const modelBytes = (config: ModelConfig) => expectedStateDictShapes(config).reduce((n, [, shape]) => n + 4 * shape.reduce((a, d) => a * d, 1), 0);

/** The stored checkpoints' folder in the page's origin-private file system: entry name -> bytes. */
async function opfsEntries(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('checkpoints', { create: true });
    const out: Record<string, number> = {};
    for await (const [k, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) out[k] = (await h.getFile()).size;
    return out;
  });
}

/** Every request the page makes (the app must talk to no other host). */
function requestLog(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

function onlyLocal(urls: string[], origin: string) {
  const foreign = urls.filter((u) => !u.startsWith(origin) && !/^(data|blob):/.test(u));
  assert(foreign.length === 0, 'requests to another host: ' + foreign.slice(0, 3).join(' '));
}

/** The names in the stored-checkpoints list. */
const stored = (page: Page) => page.getByTestId('stored-checkpoint').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));

test('a dropped checkpoint is stored in the browser: a reload, a shared link and a later visit load it; load, delete, storage used', async ({ open, url }) => {
  const page = await open('?backend=wasm');
  const requests = requestLog(page);
  // With the optimizer state of an official training checkpoint: the file is 3x its model.
  const bytes = await tinySamDetr({ fullOptimizer: true });
  const model = modelBytes(bundledConfig());
  const r = await runs(page);
  await page.getByLabel('Model input size (shorter side)').selectOption('128');
  await waitRuns(page, r + 1);
  assert((await page.getByTestId('stored-checkpoints').textContent())?.includes('None yet'), 'the stored list does not start empty');
  await dropFile(page, 'tiny_sam_smca.pth', bytes, 'application/octet-stream');
  await waitRuns(page, r + 2, 120_000);
  const item = page.locator('[data-testid=stored-checkpoint][data-name="tiny_sam_smca.pth"]');
  await item.waitFor({ timeout: 30_000 });
  const kind = (await item.getByTestId('stored-kind').textContent()) ?? '';
  assert(/^SAM-DETR \+ SMCA, resnet18/.test(kind), 'stored kind: ' + kind);
  // What is kept is the model's float32 weights (and a header), not the file with its optimizer state.
  const entries = await opfsEntries(page);
  const kept = entries['tiny_sam_smca%2Epth.model'];
  assert(kept >= model && kept < model + 64 * 1024 && kept < bytes.length / 2.5, `stored ${kept} bytes for a model of ${model} in a file of ${bytes.length}: ${JSON.stringify(entries)}`);
  assert(Object.keys(entries).sort().join() === 'tiny_sam_smca%2Epth.json,tiny_sam_smca%2Epth.model', 'stored entries: ' + JSON.stringify(entries));
  assert((await item.textContent())?.includes(fmtMB(kept)), `size ${fmtMB(kept)} not shown: ` + (await item.textContent()));
  const est = page.getByTestId('storage-estimate');
  const usage = Number(await est.getAttribute('data-usage'));
  const quota = Number(await est.getAttribute('data-quota'));
  assert(usage >= kept && quota > usage, `storage estimate: usage ${usage}, quota ${quota}, stored ${kept}`);
  assert(/This site uses .* of its .* of browser storage/.test((await est.textContent()) ?? ''), 'storage line: ' + (await est.textContent()));
  await shot(page, '17-stored-checkpoints');

  // A reload: the URL names the checkpoint, which comes back from the store, not from a drop.
  assert(new URL(page.url()).searchParams.get('model') === 'upload:tiny_sam_smca.pth', 'model not in the URL: ' + page.url());
  await page.reload();
  await waitRuns(page, 1, 120_000);
  assert((await page.getByTestId('model-picker').inputValue()) === 'upload:tiny_sam_smca.pth', 'model after a reload: ' + (await page.getByTestId('model-picker').inputValue()));
  assert(/with SMCA/.test((await page.getByTestId('checkpoint-report').textContent()) ?? ''), 'checkpoint report missing after a reload');
  assert((await page.getByTestId('detection-box').count()) > 0, 'no detections from the restored checkpoint');

  // A later visit with a shared link, in another tab: the same.
  const later = await open('?backend=wasm&model=upload:tiny_sam_smca.pth', { timeout: 120_000 });
  assert((await later.getByTestId('model-picker').inputValue()) === 'upload:tiny_sam_smca.pth', 'shared link did not load the stored checkpoint');
  // A link naming a checkpoint not stored here: it says so and how to add it, and shows no other model.
  const missing = await open('?backend=wasm&model=upload:detr-r101.pth', { wait: false });
  const msg = await errorText(missing, 60_000);
  assert(/"detr-r101\.pth" named in this link is not stored in this browser\. Drop detr-r101\.pth on the page to load it/.test(msg), 'missing checkpoint message: ' + msg);
  assert((await missing.getByTestId('model-picker').inputValue()) === 'upload:detr-r101.pth', 'the picker shows another model');
  assert(new URL(missing.url()).searchParams.get('model') === 'upload:detr-r101.pth', 'the URL lost the model: ' + missing.url());
  await missing.waitForTimeout(1500);
  assert((await missing.getByTestId('detection-box').count()) === 0 && (await runs(missing)) === 0, 'another model ran for a missing checkpoint');
  await shot(missing, '18-missing-checkpoint');

  // Load from the list after switching away; then delete it: a reload then says it is missing.
  let n = await runs(page);
  await page.getByTestId('model-picker').selectOption('sam-detr');
  await waitRuns(page, n + 1);
  n = await runs(page);
  await item.getByTestId('stored-load').click();
  await waitRuns(page, n + 1, 120_000);
  assert((await page.getByTestId('model-picker').inputValue()) === 'upload:tiny_sam_smca.pth', 'Load did not switch to the stored checkpoint');
  await item.getByTestId('stored-delete').click();
  await item.waitFor({ state: 'detached' });
  assert((await stored(page)).length === 0, 'delete left entries: ' + (await stored(page)));
  await page.reload();
  assert(/not stored in this browser/.test(await errorText(page, 60_000)), 'a deleted checkpoint still loads after a reload');
  onlyLocal(requests, new URL(url).origin);
}, 300_000);

test('a checkpoint kept as the whole file (before the model alone was) loads from a link and is kept again as its model', async ({ open, url }) => {
  const page = await open('?backend=wasm');
  const bytes = await tinySamDetr({ fullOptimizer: true });
  // The layout of the first stored checkpoints: the .pth as dropped, a sidecar without a format.
  await page.evaluate(async (b64) => {
    const bin = atob(b64);
    const arr = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('checkpoints', { create: true });
    for (const [name, data] of [['old_sam%2Epth.data', arr], ['old_sam%2Epth.json', JSON.stringify({ name: 'old_sam.pth', size: arr.length, storedAt: 1, kind: 'SAM-DETR + SMCA, resnet18' })]] as const) {
      const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
      await w.write(data);
      await w.close();
    }
  }, Buffer.from(bytes).toString('base64'));
  await page.goto(url + '?backend=wasm&model=upload:old_sam.pth');
  await waitRuns(page, 1, 180_000);
  assert((await page.getByTestId('detection-box').count()) > 0, 'no detections from the old entry');
  assert(/with SMCA/.test((await page.getByTestId('checkpoint-report').textContent()) ?? ''), 'checkpoint report missing');
  // Kept again as its model; the file as dropped is gone.
  let entries = await opfsEntries(page);
  for (let i = 0; i < 60 && entries['old_sam%2Epth.data'] !== undefined; i++) {
    await page.waitForTimeout(1000);
    entries = await opfsEntries(page);
  }
  assert(Object.keys(entries).sort().join() === 'old_sam%2Epth.json,old_sam%2Epth.model', 'entries after the migration: ' + JSON.stringify(entries));
  const kept = entries['old_sam%2Epth.model'];
  assert(kept < bytes.length / 2.5, 'the migrated entry is not the model alone: ' + JSON.stringify(entries));
  await page.locator('[data-testid=stored-checkpoint][data-name="old_sam.pth"]').filter({ hasText: fmtMB(kept) }).waitFor({ timeout: 30_000 });
  // And it loads as a stored model after a reload (the report says where it came from).
  await page.reload();
  await waitRuns(page, 1, 180_000);
  assert(/kept in this browser: the model's weights/.test((await page.getByTestId('checkpoint-report').textContent()) ?? ''), 'not loaded from the stored model after a reload');
}, 360_000);

test('a checkpoint that cannot be stored (no room, no origin-private file system) still loads, with a one-line notice', async ({ open }) => {
  const bytes = await tinySamDetr();
  const cases: [string, string, RegExp][] = [
    // It needs the model's size (6.1 MB of float32), not the file's.
    ['no room', 'navigator.storage.estimate = async () => ({ usage: 0, quota: 200000 });', /is loaded but not stored in this browser: it needs 6\.1 MB and this site has 200 kB of browser storage left\. Drop it again after a reload\.$/],
    ['no OPFS', 'delete StorageManager.prototype.getDirectory;', /is loaded but not stored: this browser has no origin-private file system\. Drop it again after a reload\.$/],
  ];
  for (const [what, script, re] of cases) {
    const page = await open('?backend=wasm');
    await page.addInitScript(script);
    await page.reload();
    await waitRuns(page, 1);
    const r = await runs(page);
    await page.getByLabel('Model input size (shorter side)').selectOption('128');
    await waitRuns(page, r + 1);
    await dropFile(page, 'tiny_sam_smca.pth', bytes, 'application/octet-stream');
    await waitRuns(page, r + 2, 120_000);
    const note = page.getByTestId('store-notice');
    await note.waitFor({ timeout: 30_000 });
    const text = (await note.locator('span').textContent()) ?? '';
    assert(re.test(text), `${what}: notice: ${text}`);
    assert((await page.getByTestId('detection-box').count()) > 0, `${what}: the model did not run`);
    assert((await page.getByTestId('model-picker').inputValue()) === 'upload:tiny_sam_smca.pth', `${what}: the model is not the checkpoint`);
    assert((await stored(page)).length === 0, `${what}: listed as stored`);
    if (what === 'no OPFS') assert(await page.getByTestId('store-unavailable').isVisible(), 'the panel does not say storing is unavailable');
    await page.getByRole('button', { name: 'Dismiss storage notice' }).click();
    await note.waitFor({ state: 'detached' });
    await page.close();
  }
}, 300_000);
