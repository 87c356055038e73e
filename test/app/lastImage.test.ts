import { describe, expect, it } from 'vitest';
import { keepImage, keptImage, MAX_KEPT_IMAGE_BYTES } from '../../src/app/storage/lastImage';
import { MemDir, storage } from '../support/memOpfs';

const file = (n: number, name: string, seed = 1) => new File([Uint8Array.from({ length: n }, (_, i) => (i * seed) & 255)], name, { type: 'image/png' });

describe('the last opened image, kept for a reload', () => {
  it('gives back the file as opened (bytes, name, type); a new image replaces it', async () => {
    const st = storage(new MemDir());
    expect(await keptImage(st)).toBeNull();
    const a = file(3000, 'cat.png', 3);
    expect(await keepImage(st, a)).toBe(true);
    const got = await keptImage(st);
    expect(got?.name).toBe('cat.png');
    expect(got?.type).toBe('image/png');
    expect(new Uint8Array(await got!.arrayBuffer())).toEqual(new Uint8Array(await a.arrayBuffer()));
    const b = file(10, 'dog.png', 5);
    expect(await keepImage(st, b)).toBe(true);
    const got2 = await keptImage(st);
    expect(got2?.name).toBe('dog.png');
    expect(new Uint8Array(await got2!.arrayBuffer())).toEqual(new Uint8Array(await b.arrayBuffer()));
  });

  it('an image that cannot be kept never brings back the one before it', async () => {
    const root = new MemDir();
    const st = storage(root);
    await keepImage(st, file(100, 'old.png'));
    const big = { name: 'huge.png', type: 'image/png', size: MAX_KEPT_IMAGE_BYTES + 1 } as File;
    expect(await keepImage(st, big)).toBe(false);
    expect(await keptImage(st)).toBeNull();
    // A write cut short (the tab closed after the bytes, before the sidecar): nothing is listed.
    await keepImage(st, file(100, 'a.png'));
    root.dirs.get('image')!.files.delete('last.json');
    expect(await keptImage(st)).toBeNull();
    // Bytes that do not match the sidecar's size (damaged): nothing.
    await keepImage(st, file(100, 'b.png'));
    root.dirs.get('image')!.files.set('last.data', new Uint8Array(7));
    expect(await keptImage(st)).toBeNull();
  });

  it('a browser without an origin-private file system keeps nothing, and says so without throwing', async () => {
    expect(await keepImage(undefined, file(10, 'x.png'))).toBe(false);
    expect(await keepImage({}, file(10, 'x.png'))).toBe(false);
    expect(await keptImage({})).toBeNull();
    const refusing = { getDirectory: () => Promise.reject(new Error('SecurityError')) };
    expect(await keepImage(refusing, file(10, 'x.png'))).toBe(false);
    expect(await keptImage(refusing)).toBeNull();
  });
});
