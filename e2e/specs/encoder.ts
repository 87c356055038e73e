/** Encoder self-attention from a location picked by a click or by the keyboard. */
import { assert, runs, shot, test } from '../harness';

test('encoder self-attention from a clicked location', async ({ open }) => {
  const page = await open('?backend=wasm');
  await page.getByRole('button', { name: 'Encoder self-attention' }).click();
  // The SMCA prior acts on the decoder: its switch (and S) wait for the decoder view, no re-run here.
  const r0 = await runs(page);
  assert(!(await page.getByTestId('smca-toggle').isEnabled()), 'the SMCA switch is enabled in the encoder view');
  await page.locator('body').press('s');
  await page.waitForTimeout(300);
  assert((await page.getByTestId('smca-toggle').getAttribute('aria-checked')) === 'true' && (await runs(page)) === r0, 'S switched the prior in the encoder view');
  // The keyboard picks a location too: K starts in the middle cell, L moves one cell right.
  await page.locator('body').press('k');
  await page.getByTestId('encoder-point').waitFor({ timeout: 20_000 });
  const enc0 = new URL(page.url()).searchParams.get('enc');
  await page.locator('body').press('l');
  await page.waitForFunction((e) => new URL(location.href).searchParams.get('enc') !== e, enc0);
  const [x0, y0] = (enc0 ?? '').split(',').map(Number);
  const [x1, y1] = (new URL(page.url()).searchParams.get('enc') ?? '').split(',').map(Number);
  assert(x1 > x0 && y1 === y0, `L did not move the location right: ${enc0} -> ${x1},${y1}`);
  const svg = page.locator('.view[data-view="0"] > svg');
  const box = (await svg.boundingBox())!;
  await svg.click({ position: { x: box.width * 0.4, y: box.height * 0.5 } });
  await page.getByTestId('encoder-point').waitFor({ timeout: 20_000 });
  await page.locator('[data-testid=attention-map]').first().waitFor({ timeout: 20_000 });
  assert((await page.locator('[data-testid=attention-map]').count()) === 8, 'expected 8 encoder maps');
  assert(new URL(page.url()).searchParams.get('mode') === 'encoder', 'mode not in URL');
  await shot(page, '12-encoder-attention');
});
