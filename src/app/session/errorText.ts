/**
 * A heading for an error the checkpoint reader (or the worker) gave a stable code, so the user
 * sees what kind of problem it is before the sentence that says exactly what.
 */
const HEADINGS: Record<string, string> = {
  truncated: 'Incomplete file',
  'not-a-checkpoint': 'Not a PyTorch checkpoint',
  'refused-global': 'Refused for safety (the file asks to run code)',
  refused: 'Refused for safety',
  corrupt: 'The file is damaged',
  'too-large': 'Refused: the file asks for more than it holds',
  'unsupported-family': 'Another model family',
  'invalid-config': 'Its configuration cannot be built',
  unsupported: 'A format feature this reader does not support',
  internal: 'A bug in the reader (please report it)',
};

export function errorText(e: unknown, context?: string): string {
  const msg = (e as Error)?.message ?? String(e);
  const code = (e as { code?: string })?.code;
  const heading = code ? HEADINGS[code] : undefined;
  const body = context ? `${context}: ${msg}` : msg;
  return heading ? `${heading} — ${body}` : body;
}
