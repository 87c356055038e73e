/**
 * The bundled files a first visit should leave in the offline cache besides what it loaded: every
 * bundled model (card and weights; ~8 MB for the three) and the convergence curves. The service
 * worker keeps only what was fetched, so without these a visitor who opened the default model
 * could not switch to another one offline ("Failed to fetch"), though the app said it works offline.
 */
export async function bundledModelFiles(
  base: string,
  names: string[],
  fetchJson: (url: string) => Promise<unknown>,
): Promise<string[]> {
  const urls = [`${base}models/index.json`, `${base}models/convergence.json`];
  for (const name of names) {
    const root = `${base}models/${encodeURIComponent(name)}/`;
    urls.push(root + 'model.json');
    // The weights file a card names (as the worker's loadBundled reads it), else the usual name.
    let weights = 'weights.safetensors';
    try {
      const card = (await fetchJson(root + 'model.json')) as { weights?: unknown } | null;
      if (typeof card?.weights === 'string') weights = card.weights;
    } catch {
      // Unreadable card: the usual name; caching is best effort.
    }
    urls.push(root + weights);
  }
  return urls;
}
