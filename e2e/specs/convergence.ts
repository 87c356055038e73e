/** The convergence view: the bundled models' AP curves, or its empty state when the build has none. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, DIST, shot, test } from '../harness';

test('convergence view shows its empty state or the curves', async ({ open }) => {
  const page = await open('?backend=wasm&mode=convergence', { wait: false });
  const has = existsSync(join(DIST, 'models', 'convergence.json'));
  await page.getByTestId(has ? 'convergence-chart' : 'convergence-empty').waitFor({ timeout: 20_000 });
  if (has) {
    // In COCO points, as the model card: the default's last point is its AP x 100 (tens, not a fraction).
    const data = JSON.parse(readFileSync(join(DIST, 'models', 'convergence.json'), 'utf8')) as { note?: string; variants: Record<string, { AP: number[]; model?: string; reference?: boolean }> };
    const n = Object.keys(data.variants).length;
    assert((await page.locator('.convergence-svg path[stroke-width]').count()) === n, 'not one curve per variant');
    const tips = await page.locator('.convergence-svg circle title').allTextContents();
    // The default model's solid curve (its name may carry the runs' label in brackets).
    const [name, smca] = Object.entries(data.variants).find(([, v]) => v.model === 'sam-detr-smca' && !v.reference)!;
    const last = `${name}: epoch ${smca.AP.length}, AP ${(smca.AP[smca.AP.length - 1] * 100).toFixed(1)}`;
    assert(tips.includes(last), `no point "${last}" (e.g. ${tips[0]})`);
    assert(/COCO points/.test((await page.locator('.convergence-svg').textContent()) ?? ''), 'the axis does not say its unit');
    if (data.note) assert((await page.getByTestId('convergence-note').textContent()) === data.note, 'the data\'s note is not shown');
  }
  await shot(page, '15-convergence');
});
