/**
 * Head colours: the Okabe-Ito palette (colour-blind safe), with its black replaced by white so
 * that every head stays visible on dark images. Points are drawn with a dark outline, and each
 * head also has its number as a label, so colour is never the only cue.
 */
export const HEAD_COLORS = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#FFFFFF'];

export function headColor(h: number): string {
  return HEAD_COLORS[h % HEAD_COLORS.length];
}

/** Class colours for boxes (Tableau 10, good contrast on photos and on the synthetic scenes). */
export const CLASS_COLORS = ['#4E79A7', '#F28E2B', '#E15759', '#76B7B2', '#59A14F', '#EDC948', '#B07AA1', '#FF9DA7', '#9C755F', '#BAB0AC'];

export function classColor(label: number): string {
  return CLASS_COLORS[((label % CLASS_COLORS.length) + CLASS_COLORS.length) % CLASS_COLORS.length];
}

export function hexToRgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}
