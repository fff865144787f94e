// An example custom runtime in JavaScript: `wc` for the files of a Run's workspace.
//
//   wordcount FILE...
//
// For each file (relative to $PWD, which is /workspace in a Run) it prints `LINES WORDS BYTES FILE`,
// then a `total` line when there are several files, and appends `words=<total>` and
// `lines=<total>` to the file named by $KRUNTIME_OUTPUTS, so they become the Run's outputs.
// No argument, or an option, prints a usage message and exits 2; an unreadable file is reported
// on stderr, the other files are still counted, and the exit code is 1 (like wc).
//
// StarlingMonkey (the engine componentize-js builds on) has no `fs` or `process`: the WASI
// interfaces are imported directly, as the world in wit/world.wit declares them.

import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
import { exitWithCode } from 'wasi:cli/exit@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

const USAGE = 'usage: wordcount FILE...';
const CHUNK = 64n * 1024n;

/** Counts lines, words and bytes of a byte stream fed in chunks (wc's rules, ASCII whitespace). */
class Counter {
  lines = 0;
  words = 0;
  bytes = 0;
  inWord = false;

  feed(chunk) {
    this.bytes += chunk.length;
    for (const b of chunk) {
      // space, \t, \n, \v, \f, \r
      const space = b === 0x20 || (b >= 0x09 && b <= 0x0d);
      if (b === 0x0a) this.lines += 1;
      if (space) {
        this.inWord = false;
      } else if (!this.inWord) {
        this.inWord = true;
        this.words += 1;
      }
    }
  }
}

/** The message of an error thrown by a WASI call (`no-entry`, ...) or by JavaScript. */
function describe(e) {
  const payload = e?.payload ?? e;
  return typeof payload === 'string' ? payload : String(payload?.message ?? payload);
}

/** Resolves `path` to [preopened directory, path relative to it], against $PWD when relative. */
function resolve(path, pwd) {
  const absolute = path.startsWith('/') ? path : `${pwd.replace(/\/$/, '')}/${path}`;
  let best;
  for (const [dir, name] of getDirectories()) {
    const prefix = name.replace(/\/$/, '');
    if (!name.startsWith('/')) continue;
    if (absolute === prefix || absolute.startsWith(`${prefix}/`)) {
      if (!best || prefix.length > best[1].length) best = [dir, prefix];
    }
  }
  if (!best) throw new Error('outside every preopened directory');
  const rest = absolute.slice(best[1].length).replace(/^\/+/, '');
  return [best[0], rest === '' ? '.' : rest];
}

/** Counts one file. */
function countFile(path, pwd) {
  const [dir, rel] = resolve(path, pwd);
  const file = dir.openAt({ symlinkFollow: true }, rel, {}, { read: true });
  const counter = new Counter();
  let offset = 0n;
  for (;;) {
    const [chunk, end] = file.read(CHUNK, offset);
    counter.feed(chunk);
    offset += BigInt(chunk.length);
    if (end || chunk.length === 0) break;
  }
  return counter;
}

/** Appends `lines` (KEY=VALUE lines) to the outputs file. */
function appendOutputs(path, lines, pwd) {
  const [dir, rel] = resolve(path, pwd);
  const file = dir.openAt({}, rel, { create: true }, { write: true });
  const stream = file.appendViaStream();
  stream.blockingWriteAndFlush(new TextEncoder().encode(lines));
}

/** The program; returns its exit code. */
function main() {
  const files = getArguments().slice(1);
  if (files.length === 0 || files.some((f) => f.startsWith('-'))) {
    console.error(USAGE);
    return 2;
  }
  const env = new Map(getEnvironment());
  const pwd = env.get('PWD') ?? '/workspace';
  const total = new Counter();
  let failed = false;
  for (const path of files) {
    let c;
    try {
      c = countFile(path, pwd);
    } catch (e) {
      console.error(`wordcount: ${path}: ${describe(e)}`);
      failed = true;
      continue;
    }
    console.log(`${c.lines} ${c.words} ${c.bytes} ${path}`);
    total.lines += c.lines;
    total.words += c.words;
    total.bytes += c.bytes;
  }
  if (files.length > 1) {
    console.log(`${total.lines} ${total.words} ${total.bytes} total`);
  }
  const outputs = env.get('KRUNTIME_OUTPUTS');
  if (outputs && !failed) {
    try {
      appendOutputs(outputs, `words=${total.words}\nlines=${total.lines}\n`, pwd);
    } catch (e) {
      console.error(`wordcount: could not write outputs to ${outputs}: ${describe(e)}`);
      return 1;
    }
  }
  return failed ? 1 : 0;
}

/** `wasi:cli/run`: a non-zero code is reported exactly with `exit-with-code`. */
export const run = {
  run() {
    const code = main();
    if (code !== 0) exitWithCode(code);
  },
};
