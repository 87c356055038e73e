/**
 * A bundled model's card and weights, fetched from the app's own origin (`<baseUrl>models/<name>/`).
 * The worker fetches them; the page does too when the worker cannot reach the service worker's
 * cache (see LensSession.loadBundled), and passes them over.
 */
import type { BundledFiles, ModelCard } from './messages';

export async function fetchBundledFiles(baseUrl: string, name: string): Promise<BundledFiles> {
  // A snapshot's name is a path below the model (NAME/snapshots/epoch-E): each segment is encoded.
  const root = `${baseUrl}models/${name.split('/').map(encodeURIComponent).join('/')}/`;
  const res = await fetch(root + 'model.json');
  if (!res.ok) throw new Error(`model "${name}": model.json not found (HTTP ${res.status})`);
  const card = (await res.json()) as ModelCard;
  const wres = await fetch(root + (card.weights ?? 'weights.safetensors'));
  if (!wres.ok) throw new Error(`model "${name}": weights not found (HTTP ${wres.status})`);
  return { card, weights: await wres.blob() };
}
