import type { ModelInfo } from '../worker/messages';

/**
 * What the model panel says of a checkpoint's DC5 (the dilated last ResNet stage), which its
 * weights cannot show: a fact when the checkpoint's args say it; a switch, marked as a guess,
 * when only the file name or nothing did; nothing for multi-scale models (they have no DC5) and
 * bundled ones (their card says, in the backbone line).
 */
export type Dc5View =
  | { kind: 'fact'; on: boolean; text: string }
  | { kind: 'guess'; on: boolean; note: string; chosen: boolean };

export function dc5View(info: ModelInfo): Dc5View | null {
  const source = info.dilationSource;
  if (info.source !== 'checkpoint' || !source || source === 'n/a') return null;
  const on = info.config.dilation;
  if (!info.dilationGuess) return { kind: 'fact', on, text: `${on ? 'yes' : 'no'} — the checkpoint's args say so` };
  const guessed = info.dilationDetected ?? on;
  const why = source === 'file-name' ? `the file name ${guessed ? 'says dc5' : 'does not say dc5'}` : 'the file does not say; assumed off';
  if (guessed !== on) return { kind: 'guess', on, chosen: true, note: `your choice (guessed ${guessed ? 'on' : 'off'}: ${why})` };
  return { kind: 'guess', on, chosen: false, note: source === 'file-name' ? `guessed from the file name (it ${guessed ? 'says' : 'does not say'} dc5)` : 'assumed: the file does not say' };
}
