import type { ModelInfo } from '../../worker/messages';
import { ZOO, ZOO_FAMILIES, ZOO_SOURCES, zooMatches, type ZooEntry } from '../zoo';

interface Props {
  /** The models loaded in the two views (either may be absent). */
  models: (ModelInfo | null | undefined)[];
}

/**
 * The official model zoos (SAM-DETR, DETR, Conditional DETR, DAB-DETR, Deformable DETR), one
 * group per family under a link to its repository, with their COCO AP, which of them is loaded
 * now, and where each is published. The links open the publisher's page; the app itself fetches
 * nothing from them: the user downloads a file and drops it here.
 */
// The match is by configuration and schedule only: the AP beside it is the release's, and
// belongs to the loaded file only if it holds that release's weights (nothing checks that).
const MATCH_TITLE = "The loaded checkpoint has this release's configuration and schedule; the AP is the published one and holds only if the file is that release's weights.";

export function ZooPanel({ models }: Props) {
  const loaded = new Map<ZooEntry, 'yes' | 'maybe'>();
  for (const m of models) {
    if (m?.source !== 'checkpoint') continue;
    const hits = zooMatches(m.config, m.family, m.epoch);
    for (const z of hits) if (loaded.get(z) !== 'yes') loaded.set(z, hits.length === 1 ? 'yes' : 'maybe');
  }
  return (
    <details className="zoo" data-testid="zoo-panel">
      <summary>Official model zoo ({ZOO.length} checkpoints)</summary>
      <p className="muted small">
        COCO val AP as published. Download a <code>.pth</code> from its page and drop it here; it is read in this browser and kept for later visits.
      </p>
      <table className="zoo-table">
        <thead>
          <tr>
            <th scope="col">model</th>
            <th scope="col">epochs</th>
            <th scope="col">AP</th>
            <th scope="col">
              <span className="sr-only">matches the loaded checkpoint</span>
            </th>
          </tr>
        </thead>
        {ZOO_FAMILIES.map((family) => (
          <tbody key={family} data-testid="zoo-family" data-family={family}>
            <tr className="zoo-family">
              <th scope="rowgroup" colSpan={4}>
                {family}{' '}
                <a className="muted small" href={ZOO_SOURCES[family]} target="_blank" rel="noreferrer noopener" title={`${family}'s official repository: its README gives these numbers and links`}>
                  {ZOO_SOURCES[family].replace('https://github.com/', '')}
                </a>
              </th>
            </tr>
            {ZOO.filter((z) => z.family === family).map((z) => {
              const state = loaded.get(z);
              const where = z.folder ? "a shared folder with all of the family's releases (the README links no file of its own)" : "the publisher's download page";
              return (
                <tr key={`${z.name} ${z.epochs}`} data-testid="zoo-entry" data-family={family} data-loaded={state ?? 'no'} className={state ? 'on' : ''}>
                  <td>
                    <a href={z.url} target="_blank" rel="noreferrer noopener" title={`${z.name}, ${z.epochs} epochs: ${where}${z.note ? `; ${z.note}` : ''}`}>
                      {z.name}
                    </a>
                    {z.folder && <span className="muted small"> (folder)</span>}
                  </td>
                  <td>{z.epochs}</td>
                  <td>{z.ap.toFixed(1)}</td>
                  <td title={state ? MATCH_TITLE : undefined}>{state === 'yes' ? 'its setup' : state === 'maybe' ? 'its setup?' : ''}</td>
                </tr>
              );
            })}
          </tbody>
        ))}
      </table>
      {[...loaded.values()].includes('maybe') && (
        <p className="muted small">"its setup?": the file cannot tell the marked releases apart (it does not say its schedule, or they share a layout), so it could be any of them.</p>
      )}
    </details>
  );
}
