/**
 * "What is this .pth?" without Python: reads each file with the app's own loader and says what
 * it holds, or why it is refused.
 *
 *   npm run inspect -- [--json] [--quick] FILE...
 *
 * Every entry of a zip checkpoint has its CRC-32 checked (optimizer state included); --quick
 * checks only the entries read as weights, and says so. Legacy .pth and .safetensors files
 * carry no checksum: the output says that too.
 * --json prints one line per file: {"file","ok":true,"family","config","tensors","bytes",...}
 * or {"file","ok":false,"error":{"code","message"}}. Exit status: 0 when every file loaded,
 * 2 when any was refused, 1 only for a bug in the reader (error code "internal") or bad usage.
 */
import { describe, inspectFile, toJson } from './lib/inspectFile';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const files = argv.filter((a) => a !== '--json' && a !== '--quick');
  if (files.length === 0 || files.some((f) => f.startsWith('--'))) {
    console.error('usage: npm run inspect -- [--json] [--quick] FILE...');
    return 1;
  }
  let status = 0;
  for (const f of files) {
    const i = await inspectFile(f, { quick });
    console.log(json ? toJson(i) : describe(i));
    // A bug (1) outranks a refusal (2).
    if (!i.ok) status = status === 1 || i.error.code === 'internal' ? 1 : 2;
  }
  return status;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
