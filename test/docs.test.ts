// The docs are generated from the checks' metadata; these tests catch drift in both directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHECKS_DOC, renderChecksDoc } from '../scripts/gen-docs.js';
import { allCodes } from '../src/checks/run.js';

const CATALOG = resolve('../shared/catalog.md');

test('docs/checks.md is generated from the current CodeSpecs (run node --import tsx scripts/gen-docs.ts)', () => {
  assert.ok(existsSync(CHECKS_DOC), 'docs/checks.md is missing');
  assert.equal(readFileSync(CHECKS_DOC, 'utf8'), renderChecksDoc(), 'docs/checks.md is out of date: run node --import tsx scripts/gen-docs.ts');
});

test('every code a check module reports has a CodeSpec with meaning, why, example and fix', () => {
  const declared = new Map(allCodes().map((c) => [c.code, c]));
  const dir = 'src/checks';
  const catalog = existsSync(CATALOG) ? new Set(readFileSync(CATALOG, 'utf8').match(/ITLS\d{3}/g) ?? []) : undefined;
  const problems: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const code of new Set(text.match(/['"`]ITLS\d{3}['"`]/g)?.map((m) => m.slice(1, -1)) ?? [])) {
      if (!declared.has(code)) problems.push(`${file} reports ${code}${catalog?.has(code) ? ' (in the catalog)' : ''} but no module declares its CodeSpec`);
    }
  }
  for (const spec of declared.values()) {
    for (const field of ['meaning', 'why', 'example', 'fix'] as const) {
      if (!spec[field] || String(spec[field]).length < 10) problems.push(`${spec.code} has no ${field}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('every code the sources, README and docs name is a declared code (a message or doc never points at a code that does not exist)', () => {
  const declared = new Set(allCodes().map((c) => c.code));
  const files = [
    'README.md',
    ...['src', 'docs'].flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|md)$/.test(f)).map((f) => join(dir, f))),
  ];
  const problems: string[] = [];
  for (const file of files) {
    for (const code of new Set(readFileSync(file, 'utf8').match(/ITLS\d{3}/g) ?? [])) {
      if (!declared.has(code)) problems.push(`${file} names ${code}, which no check declares`);
    }
  }
  assert.ok(files.length > 20, `only ${files.length} files read`);
  assert.deepEqual(problems, []);
});

test('no code is declared twice', () => {
  const codes = allCodes().map((c) => c.code);
  assert.deepEqual(codes.filter((c, i) => codes.indexOf(c) !== i), []);
});
