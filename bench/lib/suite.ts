/** What a suite module of bench/suites/ exports. */
import type { Options, Values } from './args';
import type { Json, Log } from './machine';

export interface Suite {
  /** Its options beyond --json and --help (node:util parseArgs configs). */
  options: Options;
  /** One line per option for --help. */
  help: Record<string, string>;
  /** Measures; progress goes to `log`; the result is what --json prints. */
  run(values: Values, log: Log): Promise<Json>;
  /** The result as the lines printed without --json. */
  format(result: Json): string[];
}
