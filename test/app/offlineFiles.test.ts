/** What a first visit leaves in the offline cache besides what it loaded (src/app/offlineFiles.ts). */
import { describe, expect, it } from 'vitest';
import { bundledModelFiles } from '../../src/app/offlineFiles';

describe('bundledModelFiles', () => {
  it('lists every bundled model card and the weights file it names, the index and the curves', async () => {
    const cards: Record<string, unknown> = {
      '/app/models/a/model.json': { weights: 'a-f16.safetensors' },
      '/app/models/b%20c/model.json': {},
    };
    const urls = await bundledModelFiles('/app/', ['a', 'b c', 'gone'], async (u) => {
      if (!(u in cards)) throw new Error('404');
      return cards[u];
    });
    expect(urls).toEqual([
      '/app/models/index.json', '/app/models/convergence.json',
      '/app/models/a/model.json', '/app/models/a/a-f16.safetensors',
      '/app/models/b%20c/model.json', '/app/models/b%20c/weights.safetensors',
      // An unreadable card: its usual weights name (caching is best effort).
      '/app/models/gone/model.json', '/app/models/gone/weights.safetensors',
    ]);
  });
});
