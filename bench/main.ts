/**
 * The one bench command line:
 *
 *   npm run bench -- SUITE [--json] [options]        (npx tsx bench/main.ts SUITE ...)
 *
 * Suites (bench/suites/, each file's header says what it measures and its JSON keys):
 * model, official, page, interaction, memory, ceiling, train, peer. Shared helpers are in
 * bench/lib/ (arguments, statistics, Chromium and the benchmark page, model rows, the machine).
 * --json prints one JSON object on stdout and the progress on stderr (use `npm run -s bench` or
 * npx tsx, since `npm run` prints its banner on stdout); without it, progress and a table go to
 * stdout. Compare only numbers from one run: this machine's load moves absolute times a lot.
 */
import { optionHelp, parseSuiteArgs, splitSuite, SUITES, usage, type SuiteName } from './lib/args';
import type { Suite } from './lib/suite';

async function load(name: SuiteName): Promise<Suite> {
  switch (name) {
    case 'model': return (await import('./suites/model')).model;
    case 'official': return (await import('./suites/official')).official;
    case 'page': return (await import('./suites/page')).page;
    case 'interaction': return (await import('./suites/interaction')).interaction;
    case 'memory': return (await import('./suites/memory')).memory;
    case 'ceiling': return (await import('./suites/ceiling')).ceiling;
    case 'train': return (await import('./suites/train')).train;
    case 'peer': return (await import('./suites/peer')).peer;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h') {
    console.log(usage());
    return;
  }
  const { suite: name, rest } = splitSuite(argv);
  const suite = await load(name);
  let values;
  try {
    values = parseSuiteArgs(rest, suite.options);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n(npm run bench -- ${name} --help lists its options)`, { cause: e });
  }
  if (values.help) {
    console.log(`npm run bench -- ${name} [options]: ${SUITES[name]}\n\n${optionHelp(suite.options, suite.help)}`);
    return;
  }
  const log = (s: string) => (values.json ? console.error(s) : console.log(s));
  const result = await suite.run(values, log);
  if (values.json) console.log(JSON.stringify({ suite: name, ...result }, null, 2));
  else {
    console.log('');
    for (const l of suite.format(result)) console.log(l);
  }
}

main().catch((e) => {
  // Command-line mistakes print their message (with the usage); anything else its stack.
  const usageError = e instanceof Error && /^(no suite|unknown suite|Unknown option|Option '|Unexpected argument|unknown --|--)/.test(e.message);
  console.error(usageError ? (e as Error).message : e);
  process.exit(1);
});
