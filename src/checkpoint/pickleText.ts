import { CheckpointError } from './errors';

/**
 * The two text encodings of protocol 0 strings (STRING and UNICODE opcodes): a line holding a
 * Python string literal, or raw-unicode-escape. Bytes stand for themselves (latin1), as for
 * the binary py2 strings of pickle.ts.
 */
function bad(what: string, msg: string): CheckpointError {
  return new CheckpointError('corrupt', `${what} is not a valid pickle: ${msg}`);
}

const SIMPLE: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

/** STRING: `'...'` or `"..."` with Python's bytes escapes (as codecs.escape_decode reads them). */
export function pyStringLiteral(line: string, what: string): string {
  const q = line[0];
  if (line.length < 2 || (q !== "'" && q !== '"') || line[line.length - 1] !== q) throw bad(what, 'the STRING opcode argument must be quoted');
  const body = line.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw bad(what, 'a STRING ends with a lone backslash');
    if (e in SIMPLE) out += SIMPLE[e];
    else if (e === 'x') {
      const hex = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw bad(what, 'a STRING has an invalid \\x escape');
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 2;
    } else if (e >= '0' && e <= '7') {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i, i + 3))![0];
      out += String.fromCharCode(Number.parseInt(oct, 8) & 0xff);
      i += oct.length - 1;
    } else out += `\\${e}`; // unknown escapes stay as written, as in Python
  }
  return out;
}

/** UNICODE: latin1 text where \uXXXX and \UXXXXXXXX (after an odd run of backslashes) are code points. */
export function rawUnicodeEscape(line: string, what: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    let j = i;
    while (line[j] === '\\') j++;
    const run = j - i;
    const u = line[j];
    if (run % 2 === 0 || (u !== 'u' && u !== 'U')) {
      out += line.slice(i, j);
      i = j;
      continue;
    }
    out += '\\'.repeat(run - 1);
    const n = u === 'u' ? 4 : 8;
    const hex = line.slice(j + 1, j + 1 + n);
    if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw bad(what, `a UNICODE string has a truncated \\${u} escape`);
    const cp = Number.parseInt(hex, 16);
    if (cp > 0x10ffff) throw bad(what, `a UNICODE string escapes code point 0x${hex}, past U+10FFFF`);
    out += String.fromCodePoint(cp);
    i = j + 1 + n;
  }
  return out;
}
