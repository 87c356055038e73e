import type { ModelConfig } from '../worker/messages';
import type { ModelFamily } from '../worker/messages';

/**
 * The official model zoos this app reads, with COCO val AP, schedule and download page as each
 * family's official README gives them (ZOO_SOURCES): the 12 SAM-DETR checkpoints
 * (ZhangGongjie/SAM-DETR, Google Drive), the 4 DETR ones (facebookresearch/detr), the 4
 * Conditional DETR ones (Atten4Vis/ConditionalDETR, OneDrive), the 5 `dab_detr` DAB-DETR ones
 * (IDEA-Research/DAB-DETR: one Google Drive folder for all of them; DAB-Deformable-DETR is
 * refused by the app, so not listed) and the 3 multi-scale R50 Deformable DETR ones
 * (fundamentalvision/Deformable-DETR, Google Drive; its single-scale releases are not a
 * configuration the model library has). The app links to them and never fetches them: the user
 * downloads a file and drops it.
 */
export type ZooFamily = Extract<ModelFamily, 'SAM-DETR' | 'DETR' | 'Conditional DETR' | 'DAB-DETR' | 'Deformable DETR'>;

export interface ZooEntry {
  family: ZooFamily;
  name: string;
  backbone: 'resnet50' | 'resnet101';
  dc5: boolean;
  smca: boolean;
  multiscale: boolean;
  /** DAB-DETR's `num_patterns` (0: none); 0 for the other families. */
  patterns: number;
  /** Deformable DETR's `with_box_refine`; false for the other families. */
  refine: boolean;
  /** Deformable DETR's `two_stage` (which implies refine); false for the other families. */
  twoStage: boolean;
  epochs: number;
  ap: number;
  url: string;
  /** The url is a shared folder holding several releases, not one file (the README links no file of its own). */
  folder?: boolean;
  /** What the name does not say (shown as the link's title). */
  note?: string;
}

/** Each family's official repository, whose README gives the entries' numbers and links. */
export const ZOO_SOURCES: Record<ZooFamily, string> = {
  'SAM-DETR': 'https://github.com/ZhangGongjie/SAM-DETR',
  DETR: 'https://github.com/facebookresearch/detr',
  'Conditional DETR': 'https://github.com/Atten4Vis/ConditionalDETR',
  'DAB-DETR': 'https://github.com/IDEA-Research/DAB-DETR',
  'Deformable DETR': 'https://github.com/fundamentalvision/Deformable-DETR',
};

type Variant = Partial<Pick<ZooEntry, 'dc5' | 'smca' | 'multiscale' | 'patterns' | 'refine' | 'twoStage' | 'folder' | 'note'>>;
const entry = (family: ZooFamily, name: string, backbone: ZooEntry['backbone'], epochs: number, ap: number, url: string, o: Variant = {}): ZooEntry => ({
  family, name, backbone, dc5: !!o.dc5, smca: !!o.smca, multiscale: !!o.multiscale, patterns: o.patterns ?? 0, refine: !!o.refine, twoStage: !!o.twoStage,
  epochs, ap, url, ...(o.folder ? { folder: true } : {}), ...(o.note ? { note: o.note } : {}),
});

const drive = (id: string) => `https://drive.google.com/file/d/${id}/view?usp=sharing`;
const sam = (name: string, epochs: number, ap: number, id: string, o: { dc5?: boolean; smca?: boolean; ms?: boolean }): ZooEntry =>
  entry('SAM-DETR', name, 'resnet50', epochs, ap, drive(id), { dc5: o.dc5, smca: o.smca, multiscale: o.ms });
const detr = (name: string, backbone: ZooEntry['backbone'], dc5: boolean, ap: number, file: string): ZooEntry =>
  entry('DETR', name, backbone, 500, ap, `https://dl.fbaipublicfiles.com/detr/${file}`, { dc5 });
/** Conditional DETR's README links each model on the authors' OneDrive (SharePoint). */
const onedrive = (path: string) => `https://pkueducn-my.sharepoint.com/:u:/g/personal/pkucxk_pkueducn_onmicrosoft_com/${path}`;
const condetr = (name: string, backbone: ZooEntry['backbone'], dc5: boolean, ap: number, path: string): ZooEntry =>
  entry('Conditional DETR', name, backbone, 50, ap, onedrive(path), { dc5 });
/**
 * DAB-DETR's README links every release to one Google Drive folder (and a Tsinghua Cloud mirror,
 * https://cloud.tsinghua.edu.cn/d/3aa9d0da60e8423dab54/); its table gives no schedule, its
 * training commands `--epochs 50`.
 */
const DAB_FOLDER = 'https://drive.google.com/drive/folders/1ByfbyCZL8o6zOKqH6dQFCsVQ8dgRXfUU?usp=sharing';
const DAB_SCHEDULE = "50 epochs from the README's training commands (--epochs 50): its table gives no schedule";
const dab = (name: string, ap: number, o: { dc5?: boolean; patterns?: number; note?: string }): ZooEntry =>
  entry('DAB-DETR', name, 'resnet50', 50, ap, DAB_FOLDER, { ...o, folder: true, note: o.note ? `${o.note}; ${DAB_SCHEDULE}` : DAB_SCHEDULE });
const deform = (name: string, ap: number, id: string, o: { refine?: boolean; twoStage?: boolean }): ZooEntry =>
  entry('Deformable DETR', name, 'resnet50', 50, ap, drive(id), o);

export const ZOO: ZooEntry[] = [
  sam('SAM-DETR-R50', 12, 33.1, '1RXGs50nXkYBlYKFjI8nzt2ZDfLEVsLJZ', {}),
  sam('SAM-DETR-R50 w/ SMCA', 12, 36.0, '16ucFXgf0lrgzLArdmFzn3oOn3eGUrCU4', { smca: true }),
  sam('SAM-DETR-R50-DC5', 12, 38.3, '18kZUCGLIQKerzcIlh_Hh87V3wUkrTwEu', { dc5: true }),
  sam('SAM-DETR-R50-DC5 w/ SMCA', 12, 40.6, '1gDfRo1DEv43d6DUMF1n_Lzv2lkRv0huE', { dc5: true, smca: true }),
  sam('SAM-DETR-R50', 50, 39.8, '11BZHGv2UAtqECX10MZ3VMS81RqGQM5Aq', {}),
  sam('SAM-DETR-R50 w/ SMCA', 50, 41.8, '1XHDkMsVB-zncVRsf21Z1-hPxJJCi7TGN', { smca: true }),
  sam('SAM-DETR-R50-DC5', 50, 43.3, '1XYLr3yhqmmT3RWIJ_4SN1S-bO4BtWgcX', { dc5: true }),
  sam('SAM-DETR-R50-DC5 w/ SMCA', 50, 45.0, '1q_iWQOZl1zXtaVD4vI4V9piwj2tkE8ek', { dc5: true, smca: true }),
  sam('SAM-DETR-R50-MS', 12, 41.1, '1Rdp7QngEaS0mxRQoxq7pGUM7LkZtgyzx', { ms: true }),
  sam('SAM-DETR-R50-MS w/ SMCA', 12, 42.8, '12xJJA-8P1YPfW3wp3l2aMdkQX_mCAOR5', { ms: true, smca: true }),
  sam('SAM-DETR-R50-MS', 50, 46.1, '1Fb6MFyldV-tJNfL7t1gpV7Yvk1LvhNvQ', { ms: true }),
  sam('SAM-DETR-R50-MS w/ SMCA', 50, 47.1, '1yZHRDxa3eVvgDBBEwpCbsm_yqShEV3cC', { ms: true, smca: true }),
  detr('DETR-R50', 'resnet50', false, 42.0, 'detr-r50-e632da11.pth'),
  detr('DETR-R50-DC5', 'resnet50', true, 43.3, 'detr-r50-dc5-f0fb7ef5.pth'),
  detr('DETR-R101', 'resnet101', false, 43.5, 'detr-r101-2c7b67e5.pth'),
  detr('DETR-R101-DC5', 'resnet101', true, 44.9, 'detr-r101-dc5-a2e86def.pth'),
  condetr('Conditional DETR-R50', 'resnet50', false, 41.0, 'EXaUwp6Qt29Mub0bVOExLusBlyqqyO7qCIQfVWclbOGulw?e=ILR0sI'),
  condetr('Conditional DETR-DC5-R50', 'resnet50', true, 43.7, 'EWq9mdPp7fdCgpW9M_40xEYBiOuTyIJdzbaTAxQZ7URPQw?e=cZzb6O'),
  condetr('Conditional DETR-R101', 'resnet101', false, 42.8, 'EXTH01VuhzNEn9W_5Zg_dsEBkutCNBOoZYhV1ew7UVwo8Q?e=0cYF8t'),
  condetr('Conditional DETR-DC5-R101', 'resnet101', true, 45.0, 'EbwdBQK26Q5Ev535hVKcv0wB2TJerrBieD3Fk3xGBSPa9Q?e=wKdIsm'),
  dab('DAB-DETR-R50', 42.2, {}),
  dab('DAB-DETR-R50 (3 pat)', 42.6, { patterns: 3 }),
  dab('DAB-DETR-R50-DC5', 44.5, { dc5: true }),
  dab('DAB-DETR-R50-DC5-fixxy', 44.7, {
    dc5: true,
    note: 'anchor x, y randomly initialised and not trained: the same layout as DAB-DETR-R50-DC5, so a file cannot tell the two apart',
  }),
  dab('DAB-DETR-R50-DC5 (3 pat)', 45.7, { dc5: true, patterns: 3 }),
  deform('Deformable DETR-R50', 44.5, '1nDWZWHuRwtwGden77NLM9JoWe-YisJnA', {}),
  deform('Deformable DETR-R50 + iterative box refinement', 46.2, '1JYKyRYzUH7uo9eVfDaVCiaIGZb5YTCuI', { refine: true }),
  deform('Deformable DETR-R50 ++ two-stage', 46.9, '15I03A7hNTpwuLNdfuEmW9_taZMNVssEp', { refine: true, twoStage: true }),
];

/** The families in the order the panel shows them. */
export const ZOO_FAMILIES: ZooFamily[] = ['SAM-DETR', 'DETR', 'Conditional DETR', 'DAB-DETR', 'Deformable DETR'];
const isZooFamily = (f: ModelFamily | undefined): f is ZooFamily => (ZOO_FAMILIES as (ModelFamily | undefined)[]).includes(f);

/**
 * The zoo entries a loaded checkpoint can be: same family, backbone, DC5, SMCA, scales, patterns
 * (DAB-DETR), box refinement and two-stage (Deformable DETR), and the same schedule when the file
 * tells it. The official training loops save the last epoch's 0-based index (11 or 49), so
 * `epoch` matches `epochs` or `epochs - 1`; DETR's 500-epoch releases are matched without it.
 * Without an epoch, single-scale SAM-DETR still tells 12 from 50 epochs by input_proj's GroupNorm
 * (the 12-epoch releases have it). Returns every candidate: more than one means the file cannot
 * tell them apart (DAB-DETR-R50-DC5 and its -fixxy release share a layout).
 */
export function zooMatches(config: ModelConfig, family: ModelFamily | undefined, epoch?: number): ZooEntry[] {
  if (!isZooFamily(family)) return [];
  return ZOO.filter((z) => {
    if (z.family !== family || z.backbone !== config.backbone || z.dc5 !== config.dilation) return false;
    if (z.smca !== config.smca || z.multiscale !== !!config.multiscale) return false;
    if (z.patterns !== (config.numPatterns ?? 0) || z.refine !== !!config.withBoxRefine || z.twoStage !== !!config.twoStage) return false;
    if (family === 'DETR') return true;
    if (epoch !== undefined) return epoch === z.epochs || epoch === z.epochs - 1;
    if (family === 'SAM-DETR' && !config.multiscale) return config.inputProjGroupNorm === z.epochs < 25;
    return true;
  });
}
