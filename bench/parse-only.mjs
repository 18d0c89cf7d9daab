// The offline baseline of `npm run bench`: parse the same YAML files with the `yaml` package and nothing else.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

let documents = 0;
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.ya?ml$/.test(name)) for (const d of parseAllDocuments(readFileSync(p, 'utf8'))) if (d.toJSON()) documents++;
  }
};
walk(process.argv[2]);
process.stdout.write(`${documents}\n`);
