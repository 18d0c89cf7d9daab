// `explain`: every code of the catalog answers offline with the text docs/checks.md is generated from;
// no code lists them all; an unknown one is one line and exit 2; completion offers the codes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { complete } from '../../src/cli/completion.js';
import { runCli, type CliIO } from '../../src/cli/main.js';
import { codeCatalog } from '../../src/report/catalog.js';
import { CHECKS_DOC } from '../../scripts/gen-docs.js';

async function cli(argv: string[], columns = 100): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: { write: (t: string) => (stdout += t), columns }, stderr: { write: (t: string) => (stderr += t) }, env: {} };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const words = (t: string) => t.replace(/\s+/g, ' ').trim();
const noSources = { contexts: async () => [], namespaces: async () => [] };

describe('explain CODE, for every code in the catalog', () => {
  const catalog = codeCatalog();
  const doc = readFileSync(CHECKS_DOC, 'utf8');
  it('the catalog is not empty (a walk over nothing proves nothing)', () => assert.ok(catalog.length >= 50, String(catalog.length)));
  for (const { spec, related } of catalog) {
    it(`${spec.code}: meaning, why, example, fix and related codes, as docs/checks.md says them`, async () => {
      const r = await cli(['explain', spec.code]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const out = words(r.stdout);
      assert.match(r.stdout, new RegExp(`^CODE: +${spec.code}\\n`));
      for (const [heading, text] of [['MEANING:', spec.meaning], ['WHY ISTIO BEHAVES SO:', spec.why], ['EXAMPLE:', spec.example], ['HOW TO FIX:', spec.fix]] as const) {
        assert.ok(text, `${spec.code} has ${heading}`);
        assert.ok(out.includes(`${heading} ${words(text)}`), `${spec.code} ${heading}`);
      }
      for (const other of related) assert.match(r.stdout, new RegExp(`^ {4}${other} — `, 'm'));
      // the same text is the docs page's section for this code
      const section = doc.slice(doc.indexOf(`<a id="${spec.code.toLowerCase()}"></a>`));
      assert.ok(section.includes(`**What it means.** ${spec.meaning}`), `${spec.code} in docs/checks.md`);
      // no line wider than the terminal but an unbreakable URL
      for (const line of r.stdout.split('\n')) assert.ok(line.length <= 100 || !line.includes(' '), line);
    });
  }
});

describe('explain', () => {
  it('without a code lists every code, one line each', async () => {
    const r = await cli(['explain']);
    assert.equal(r.code, 0);
    const rows = r.stdout.split('\n').filter((l) => /^ITLS\d{3} /.test(l));
    assert.deepEqual(
      rows.map((l) => l.slice(0, 7)),
      codeCatalog().map((e) => e.spec.code),
    );
    assert.match(r.stdout, /explain <code>/);
  });
  it('accepts the code in any case, and -o json / -o yaml carry the entry', async () => {
    const json = JSON.parse((await cli(['explain', 'itls202', '-o', 'json'])).stdout) as { code: string; meaning: string; related: string[] };
    assert.equal(json.code, 'ITLS202');
    assert.ok(json.related.includes('ITLS201'));
    const yaml = parseYaml((await cli(['explain', 'ITLS202', '-o', 'yaml'])).stdout) as { code: string };
    assert.equal(yaml.code, 'ITLS202');
    const list = JSON.parse((await cli(['explain', '-o', 'json'])).stdout) as { code: string }[];
    assert.equal(list.length, codeCatalog().length);
  });
  it('an unknown code is one line, a suggestion and exit 2', async () => {
    const r = await cli(['explain', 'ITLS220']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: unknown code "ITLS220" \(did you mean ITLS[0-9]{3}(, ITLS[0-9]{3})*\?\); 'kubectl istio-tls explain' lists every code\n$/);
    assert.equal((await cli(['explain', 'nonsense'])).code, 2);
  });
  it('two codes are a usage error', async () => {
    const r = await cli(['explain', 'ITLS201', 'ITLS202']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unexpected argument "ITLS202"/);
  });
  it('the table view of the doctor names explain, not a repository path', () => {
    const table = readFileSync(new URL('../../src/report/table.ts', import.meta.url), 'utf8');
    assert.match(table, /Docs: kubectl istio-tls explain <code>/);
    assert.doesNotMatch(table, /Docs: docs\/checks\.md/);
  });
});

describe('completion offers the codes', () => {
  it('explain <TAB>: every code with its title', async () => {
    const r = await complete(['explain', ''], noSources);
    assert.deepEqual(
      r.candidates.map((c) => c.value),
      codeCatalog().map((e) => e.spec.code),
    );
    assert.ok(r.candidates.every((c) => c.description && c.description.length > 0));
  });
  it('explain ITLS2<TAB> and itls2<TAB>: the 2xx codes only', async () => {
    for (const prefix of ['ITLS2', 'itls2']) {
      const r = await complete(['explain', prefix], noSources);
      assert.ok(r.candidates.length > 0);
      assert.ok(r.candidates.every((c) => c.value.startsWith('ITLS2')), prefix);
    }
  });
  it('the command itself is offered, and a second code is not', async () => {
    assert.ok((await complete(['ex'], noSources)).candidates.some((c) => c.value === 'explain'));
    assert.deepEqual((await complete(['explain', 'ITLS201', ''], noSources)).candidates, []);
  });
});
