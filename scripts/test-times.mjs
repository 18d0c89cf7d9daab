// A node --test reporter for scripts/test.mjs: records how long each test file took (the runner's
// file-level test:complete event) and writes { "<path relative to the repo>": ms } as JSON, so the
// next run starts the slowest files first and the summary names where the time went.
import { relative, resolve } from 'node:path';

export default async function* timesReporter(source) {
  const times = {};
  for await (const event of source) {
    if (event.type !== 'test:complete' || event.data.nesting !== 0) continue;
    const { file, name, details } = event.data;
    // the file itself is a test named by its path (absolute on Node 20, relative on Node 24); its
    // tests carry the same `file` but their own names
    if (file && resolve(name) === file) times[relative(process.cwd(), file)] = Math.round(details.duration_ms);
  }
  yield `${JSON.stringify(times, null, 1)}\n`;
}
