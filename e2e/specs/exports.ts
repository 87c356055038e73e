/** Exports of the view: PNG and SVG drawn larger than a small model input, COCO results JSON. */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, ROOT, selectFirstQuery, test } from '../harness';

test('exports: PNG, SVG and COCO JSON', async ({ open }) => {
  const page = await open('?backend=wasm&t=0&image=example:7');
  await selectFirstQuery(page);
  const grab = async (id: string) => {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.getByTestId(id).click()]);
    const p = await dl.path();
    assert(p, 'no download path');
    return { name: dl.suggestedFilename(), bytes: readFileSync(p) };
  };
  const png = await grab('export-png');
  assert(png.bytes.length > 1000 && png.bytes[0] === 0x89 && png.bytes[1] === 0x50, 'PNG export is not a PNG');
  // Exports of a small model input are drawn larger (the 192 px scene at 4x), not at 192 px.
  const pngW = png.bytes.readUInt32BE(16);
  assert(pngW >= 576, `PNG export is ${pngW} px wide`);
  const svg = await grab('export-svg');
  const text = svg.bytes.toString('utf8');
  assert(text.includes('<svg') && text.includes('data-testid="detection-box"') && text.includes('salient-point'), 'SVG export lacks the overlay');
  const svgW = Number(/<svg [^>]*width="(\d+)"/.exec(text)?.[1]);
  assert(svgW === pngW, `SVG opens at ${svgW} px, the PNG is ${pngW} px`);
  const coco = await grab('export-coco');
  const arr = JSON.parse(coco.bytes.toString('utf8'));
  assert(Array.isArray(arr) && arr.length > 0, 'COCO JSON empty');
  for (const k of ['image_id', 'category_id', 'bbox', 'score', 'file_name', 'category_name']) assert(k in arr[0], `COCO result lacks ${k}`);
  // The example scene's id is its seed (not 1 for every image), named by a file name, and the class names are the model's.
  assert(arr.every((d: { image_id: number; file_name: string }) => d.image_id === 7 && d.file_name === 'example-7.png'), `image id / file name: ${arr[0].image_id} ${arr[0].file_name}`);
  assert(arr.every((d: { category_name: string }) => ['circle', 'square', 'triangle', 'star', 'cross', 'ring', 'crescent', 'arrow'].includes(d.category_name)), 'category names are not the model classes');
  assert(arr[0].bbox.length === 4, 'bbox is not xywh');
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
});
