import type { ModelConfig } from '../worker/messages';
import type { ModelFamily } from '../worker/messages';

/**
 * The official model zoos this app reads: the 12 SAM-DETR checkpoints (github.com/ZhangGongjie/SAM-DETR,
 * weights on Google Drive) and the 4 DETR ones (github.com/facebookresearch/detr). COCO val AP
 * as their READMEs give it. The app links to them and never fetches them: the user downloads a
 * file and drops it.
 */
export interface ZooEntry {
  family: 'SAM-DETR' | 'DETR';
  name: string;
  backbone: 'resnet50' | 'resnet101';
  dc5: boolean;
  smca: boolean;
  multiscale: boolean;
  epochs: number;
  ap: number;
  url: string;
}

const drive = (id: string) => `https://drive.google.com/file/d/${id}/view?usp=sharing`;
const sam = (name: string, epochs: number, ap: number, id: string, o: { dc5?: boolean; smca?: boolean; ms?: boolean }): ZooEntry => ({
  family: 'SAM-DETR', name, backbone: 'resnet50', dc5: !!o.dc5, smca: !!o.smca, multiscale: !!o.ms, epochs, ap, url: drive(id),
});
const detr = (name: string, backbone: ZooEntry['backbone'], dc5: boolean, ap: number, file: string): ZooEntry => ({
  family: 'DETR', name, backbone, dc5, smca: false, multiscale: false, epochs: 500, ap, url: `https://dl.fbaipublicfiles.com/detr/${file}`,
});

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
];

/**
 * The zoo entries a loaded checkpoint can be: same family, backbone, DC5, SMCA and scales, and
 * the same schedule when the file tells it. The official training loop saves the last epoch's
 * 0-based index (11 or 49), so `epoch` matches `epochs` or `epochs - 1`. Without an epoch,
 * single-scale SAM-DETR still tells 12 from 50 epochs by input_proj's GroupNorm (the 12-epoch
 * releases have it). Returns every candidate: more than one means the file cannot tell them apart.
 */
export function zooMatches(config: ModelConfig, family: ModelFamily | undefined, epoch?: number): ZooEntry[] {
  if (family !== 'DETR' && family !== 'SAM-DETR') return [];
  return ZOO.filter((z) => {
    if (z.family !== family || z.backbone !== config.backbone || z.dc5 !== config.dilation) return false;
    if (z.smca !== config.smca || z.multiscale !== !!config.multiscale) return false;
    if (family === 'DETR') return true;
    if (epoch !== undefined) return epoch === z.epochs || epoch === z.epochs - 1;
    if (!config.multiscale) return config.inputProjGroupNorm === z.epochs < 25;
    return true;
  });
}
