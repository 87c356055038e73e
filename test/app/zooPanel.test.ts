import { afterEach, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { ZooPanel } from '../../src/app/components/ZooPanel';
import { ZOO, ZOO_FAMILIES, ZOO_SOURCES } from '../../src/app/zoo';
import type { ModelInfo } from '../../src/worker/messages';
import { familyOf } from '../../src/model/scoring';
import { variantConfig } from '../../src/checkpoint/formulaCheckpoint';

/** A loaded official checkpoint of a variant, as the worker describes it to the page. */
const loaded = (variant: string, epoch?: number): ModelInfo => {
  const config = variantConfig(variant).config;
  return { slot: 0, name: variant, source: 'checkpoint', config, family: familyOf(config), epoch, classNames: [], inputSize: 800, maxSize: 1333, placeholder: false, params: 0, loadMs: 0 };
};

/** The panel's markup parsed into a DOM-free summary: family groups, their entries, their links. */
function render(models: (ModelInfo | null)[]) {
  const html = renderToStaticMarkup(createElement(ZooPanel, { models }));
  const groups = [...html.matchAll(/<tbody data-testid="zoo-family" data-family="([^"]+)">(.*?)<\/tbody>/gs)].map(([, family, body]) => ({
    family,
    header: /<th scope="rowgroup"[^>]*>(.*?)<\/th>/s.exec(body)?.[1] ?? '',
    rows: [...body.matchAll(/<tr data-testid="zoo-entry" data-family="([^"]+)" data-loaded="(\w+)"[^>]*><td><a href="([^"]+)" target="_blank" rel="noreferrer noopener"[^>]*>([^<]+)<\/a>/g)].map(
      ([, rowFamily, state, href, name]) => ({ rowFamily, state, href: href.replace(/&amp;/g, '&'), name }),
    ),
  }));
  return { html, groups };
}

describe('ZooPanel', () => {
  afterEach(() => vi.restoreAllMocks());

  it('groups the releases by family under a link to each official repository, every entry a link to its own page', () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const { html, groups } = render([]);
    expect(groups.map((g) => g.family)).toEqual(ZOO_FAMILIES);
    for (const g of groups) {
      expect(g.header).toContain(`href="${ZOO_SOURCES[g.family as keyof typeof ZOO_SOURCES]}"`);
      const want = ZOO.filter((z) => z.family === g.family);
      expect(g.rows.map((r) => [r.rowFamily, r.name, r.href, r.state])).toEqual(want.map((z) => [z.family, z.name, z.url, 'no']));
    }
    expect(groups.flatMap((g) => g.rows)).toHaveLength(ZOO.length);
    expect(html).toContain(`Official model zoo (${ZOO.length} checkpoints)`);
    // Only DAB-DETR's rows say their link is a folder.
    expect(html.match(/\(folder\)/g)).toHaveLength(ZOO.filter((z) => z.family === 'DAB-DETR').length);
    // The panel links; it never fetches and embeds nothing from the publishers.
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(html).not.toMatch(/<(img|iframe|script|link)\b/);
  });

  it('marks the release a loaded checkpoint of a new family is, and says when the file cannot tell two apart', () => {
    const marked = (models: ModelInfo[]) => render(models).groups.flatMap((g) => g.rows.filter((r) => r.state !== 'no').map((r) => `${r.name} ${r.state}`));
    expect(marked([loaded('deform_r50_two_stage', 49)])).toEqual(['Deformable DETR-R50 ++ two-stage yes']);
    expect(marked([loaded('condetr_r101_dc5')])).toEqual(['Conditional DETR-DC5-R101 yes']);
    expect(marked([loaded('dabdetr_r50_pat3'), loaded('deform_r50_refine')])).toEqual(['DAB-DETR-R50 (3 pat) yes', 'Deformable DETR-R50 + iterative box refinement yes']);
    const { html } = render([loaded('dabdetr_r50_dc5')]);
    expect(marked([loaded('dabdetr_r50_dc5')])).toEqual(['DAB-DETR-R50-DC5 maybe', 'DAB-DETR-R50-DC5-fixxy maybe']);
    expect(html).toContain('cannot tell the marked releases apart');
    // Bundled models are never marked.
    expect(marked([{ ...loaded('deform_r50'), source: 'bundled' }])).toEqual([]);
  });
});
