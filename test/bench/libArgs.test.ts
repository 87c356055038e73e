import { describe, expect, it } from 'vitest';
import { optionHelp, parseCount, parseList, parseSize, parseSuiteArgs, splitSuite, SUITES, usage } from '../../bench/lib/args';

// `npm run bench -- SUITE [--json] [options]` (bench/main.ts): the suite comes first and every
// option is checked, so a typo fails instead of measuring something else.
describe('bench command line', () => {
  it('takes the suite first and lists the eight suites in the usage', () => {
    expect(Object.keys(SUITES)).toEqual(['model', 'official', 'page', 'interaction', 'memory', 'ceiling', 'train', 'peer']);
    expect(splitSuite(['peer', '--json', '--runs', '2'])).toEqual({ suite: 'peer', rest: ['--json', '--runs', '2'] });
    for (const s of Object.keys(SUITES)) expect(usage()).toContain(`  ${s}`);
  });

  it('refuses a missing or unknown suite with the usage', () => {
    expect(() => splitSuite([])).toThrow(/no suite given[\s\S]*npm run bench -- SUITE/);
    expect(() => splitSuite(['--json'])).toThrow(/no suite given/);
    expect(() => splitSuite(['models'])).toThrow(/unknown suite "models" \(known: model, official/);
  });

  it('parses a suite\'s options strictly, with --json and --help for every suite', () => {
    const options = { runs: { type: 'string', default: '3' }, gc: { type: 'boolean', default: false } } as const;
    expect(parseSuiteArgs(['--json', '--runs', '5'], options)).toMatchObject({ json: true, help: false, runs: '5', gc: false });
    expect(parseSuiteArgs([], options)).toMatchObject({ json: false, runs: '3' });
    expect(() => parseSuiteArgs(['--rusn', '5'], options)).toThrow(/Unknown option '--rusn'/);
    expect(() => parseSuiteArgs(['extra'], options)).toThrow(/positional/i);
    expect(optionHelp(options, { runs: 'timed runs' })).toContain('--runs VALUE (default 3): timed runs');
  });

  it('parses lists, counts and sizes, and names the option in its error', () => {
    const all = ['wasm', 'webgl', 'webgpu'] as const;
    expect(parseList(undefined, all, ['wasm'], '--backends')).toEqual(['wasm']);
    expect(parseList('webgpu, wasm', all, ['wasm'], '--backends')).toEqual(['webgpu', 'wasm']);
    expect(() => parseList('wasm,cuda', all, ['wasm'], '--backends')).toThrow('unknown --backends cuda (known: wasm, webgl, webgpu)');
    expect(parseCount(undefined, 5, 'runs')).toBe(5);
    expect(parseCount('12', 5, 'runs')).toBe(12);
    for (const bad of ['0', '-1', '2.5', 'x']) expect(() => parseCount(bad, 5, 'runs')).toThrow(/--runs must be a positive integer/);
    expect(parseSize(undefined, '800x1066')).toEqual([800, 1066]);
    expect(parseSize('720x477', '800x1066', 'wh', 'image')).toEqual([477, 720]);
    expect(() => parseSize('800', '800x1066')).toThrow('--size must look like 800x1066, got "800"');
    expect(() => parseSize('0x5', '800x1066')).toThrow(/--size/);
  });
});
